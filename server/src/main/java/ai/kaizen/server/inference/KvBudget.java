package ai.kaizen.server.inference;

import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.llama.LlamaModel;

/**
 * The key/value-cache memory a decode loop's running sequences reserve: each its whole capacity (prompt plus token
 * budget) from the moment it joins, so that a running sequence never runs out. Both copies of a cache count: the
 * decode kernels' float32 arrays and PyTorch's (in the model's type), which the prompt is read into.
 */
final class KvBudget {

    private final long limit;
    private final long bytesPerPosition;
    private long reserved;

    KvBudget(LlamaModel network, long limit) {
        LlamaConfig c = network.config();
        this.limit = limit;
        this.bytesPerPosition = 2L * c.numLayers() * c.numKvHeads() * c.headDim()
                * (Float.BYTES + network.options().dataType().getNumOfBytes());
    }

    /** Bytes a sequence of {@code positions} reserves. */
    long bytesFor(int positions) {
        return positions * bytesPerPosition;
    }

    /** Whether {@code bytes} more fit; a sequence larger than the whole budget fits only when nothing else runs. */
    boolean fits(long bytes) {
        return reserved == 0 || reserved + bytes <= limit;
    }

    void reserve(long bytes) {
        reserved += bytes;
    }

    void release(long bytes) {
        reserved -= bytes;
    }

    long reserved() {
        return reserved;
    }
}
