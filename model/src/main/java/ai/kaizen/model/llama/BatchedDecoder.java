package ai.kaizen.model.llama;

import java.util.List;

/**
 * One decode step for sequences that each keep their own {@link KvCache} (of batch size 1): the step of continuous
 * batching, where sequences join and leave between steps and so never share one left-padded cache. The weights
 * are read once for all rows, as in a batched cache; each row's attention reads its own cache up to its own length,
 * so a row computes exactly what it would alone.
 *
 * <p>Keeps the step's activation buffers between calls (grown when more rows or longer caches come): use one
 * instance per decoding thread, never from two threads at once.
 */
public final class BatchedDecoder {

    private final LlamaModel model;
    private JavaDecoder.Buffers buffers;
    private int bufferRows;
    private int bufferCapacity;

    BatchedDecoder(LlamaModel model) {
        this.model = model;
    }

    /**
     * Feeds one token to each sequence and returns the logits for the token after it.
     *
     * @param caches one cache of batch size 1 per sequence (each extended by one position)
     * @param tokens the new token of each sequence
     * @return (sequences)[vocab] logits, valid until this decoder's next step
     */
    public float[][] step(List<KvCache> caches, int[] tokens) {
        int rows = caches.size();
        if (tokens.length != rows) {
            throw new IllegalArgumentException("Expected " + rows + " tokens, got " + tokens.length);
        }
        int capacity = 0;
        for (KvCache c : caches) {
            if (c.batchSize() != 1) {
                throw new IllegalArgumentException("Each sequence needs a cache of its own (batch size 1)");
            }
            capacity = Math.max(capacity, c.capacity());
        }
        if (rows == 0) {
            return new float[0][];
        }
        if (!model.decodesInJava(rows)) {
            // PyTorch decodes (adapters attached, or a kernel chosen so): one sequence after another
            float[][] logits = new float[rows][];
            for (int r = 0; r < rows; r++) {
                logits[r] = model.nextTokenLogits(caches.get(r), new int[][] {{tokens[r]}})[0];
            }
            return logits;
        }
        int vocab = model.config().vocabSize();
        long[] positions = new long[rows];
        for (int r = 0; r < rows; r++) {
            if (tokens[r] < 0 || tokens[r] >= vocab) {
                throw new IllegalArgumentException("Token id " + tokens[r] + " is outside the vocabulary (" + vocab
                        + ")");
            }
            positions[r] = caches.get(r).admit(null, 1)[0];
            if (positions[r] >= model.config().maxPositionEmbeddings()) {
                throw new IllegalArgumentException("Position " + positions[r]
                        + " is beyond max_position_embeddings (" + model.config().maxPositionEmbeddings() + ")");
            }
        }
        if (buffers == null || rows > bufferRows || capacity > bufferCapacity) {
            bufferRows = Math.max(rows, bufferRows);
            bufferCapacity = Math.max(capacity, bufferCapacity);
            // at least two rows: a one-row buffer has no flat logits array (its product writes the row itself)
            buffers = new JavaDecoder.Buffers(model.config(), Math.max(2, bufferRows), bufferCapacity,
                    Parallel.SHARED.threads());
        }
        return model.javaDecoder().step(caches.toArray(KvCache[]::new), tokens, positions, buffers);
    }
}
