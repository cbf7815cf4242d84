package ai.kaizen.server.inference;

import ai.kaizen.model.generation.GenerationResult;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends each request to what serves its model: the in-process engine ({@link ContinuousBatching} or
 * {@link InferenceQueue}), or the external {@link OpenAiEngine} for a model an engine serves. The serving version and
 * an online comparison's challenger may be served by either, independently.
 */
public final class ServingEngines implements Inference {

    private final Inference local;
    private final OpenAiEngine external;

    public ServingEngines(Inference local, OpenAiEngine external) {
        this.local = local;
        this.external = external;
    }

    @Override
    public CompletableFuture<List<GenerationResult>> generate(Request request) {
        return request.model().engine().isPresent() ? external.generate(request) : local.generate(request);
    }

    @Override
    public boolean hasRoom() {
        return local.hasRoom() && external.hasRoom();
    }

    @Override
    public void close(long seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        local.close(seconds);
        external.close(Math.max(0, (deadline - System.nanoTime()) / 1_000_000_000L));
    }
}
