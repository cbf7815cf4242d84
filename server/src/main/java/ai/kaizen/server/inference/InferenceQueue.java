package ai.kaizen.server.inference;

import ai.kaizen.model.generation.GenerationResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One generation per worker thread ({@code inference.batching=per-request}): a few dedicated threads (never an event
 * loop) fed by a bounded queue, each running one request's {@code generateBatch} at a time. When the queue is full,
 * work is refused at once ({@link Saturated}).
 */
public final class InferenceQueue implements Inference, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InferenceQueue.class);

    private final ThreadPoolExecutor executor;

    public InferenceQueue(int workers, int capacity) {
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(capacity), r -> {
                    Thread t = new Thread(r, "kaizen-inference-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
    }

    @Override
    public CompletableFuture<List<GenerationResult>> generate(Request request) {
        return submit(() -> request.model().model().generator().generateBatch(request.prompts(), request.options(),
                token -> request.listener().onToken(token) && !request.cancelled().getAsBoolean()));
    }

    /** Runs {@code work} on an inference thread; fails with {@link Saturated} at once when the queue is full. */
    public <T> CompletableFuture<T> submit(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new Saturated());
        }
    }

    @Override
    public boolean hasRoom() {
        return executor.getQueue().remainingCapacity() > 0 || executor.getActiveCount() < executor.getMaximumPoolSize();
    }

    @Override
    public void close(long seconds) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(seconds, TimeUnit.SECONDS)) {
                log.warn("model work still running after {} s; abandoning it", seconds);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }

    @Override
    public void close() {
        close(30);
    }
}
