package ai.kaizen.server.inference;

import ai.kaizen.model.generation.GenerationResult;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request inside a decode loop: waiting to join, then its sequences running, until the last one has left and
 * the future completes with every result in order. Touched by the loop's thread only, but for {@link #future}.
 */
final class PendingGeneration {

    final Inference.Request request;
    final CompletableFuture<List<GenerationResult>> future = new CompletableFuture<>();
    /** When the request was admitted: its time to first token counts from here. */
    final long admittedNanos = System.nanoTime();
    private final Runnable onLeavingQueue;
    private final GenerationResult[] results;
    private int unfinished;
    private boolean leftQueue;

    /** @param onLeavingQueue run once, when the request joins a batch or ends before it did */
    PendingGeneration(Inference.Request request, Runnable onLeavingQueue) {
        this.request = request;
        this.onLeavingQueue = onLeavingQueue;
        this.results = new GenerationResult[request.prompts().size()];
        this.unfinished = results.length;
    }

    int size() {
        return results.length;
    }

    boolean cancelled() {
        return request.cancelled().getAsBoolean();
    }

    /** It has joined a batch: it no longer counts as waiting. */
    void leaveQueue() {
        if (!leftQueue) {
            leftQueue = true;
            onLeavingQueue.run();
        }
    }

    /** One of its sequences ended with {@code result}; the future completes with the last. */
    void finished(int index, GenerationResult result) {
        results[index] = result;
        if (--unfinished == 0) {
            leaveQueue();
            future.complete(Arrays.asList(results));
        }
    }

    /** It failed: its other sequences must leave too (the loop closes their caches). */
    void fail(Throwable cause) {
        leaveQueue();
        future.completeExceptionally(cause);
    }

    boolean done() {
        return future.isDone();
    }
}
