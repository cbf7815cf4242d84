package ai.kaizen.server.inference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where model work runs: a few dedicated threads (never an event loop) fed by a bounded queue. When the queue is
 * full, work is refused at once ({@link Saturated}) so that callers answer 503 instead of waiting without bound.
 */
public final class InferenceQueue implements AutoCloseable {

    /** The queue is full: try again later. */
    public static final class Saturated extends RuntimeException {
        private static final long serialVersionUID = 1L;
        /** What a refused caller is told. */
        public static final String MESSAGE = "the model is busy; try again in a few seconds";

        Saturated() {
            super(MESSAGE, null, false, false);
        }
    }

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

    /** Runs {@code work} on an inference thread; fails with {@link Saturated} at once when the queue is full. */
    public <T> CompletableFuture<T> submit(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new Saturated());
        }
    }

    /** Whether new work would be accepted now (it may still be refused if others submit first). */
    public boolean hasRoom() {
        return executor.getQueue().remainingCapacity() > 0 || executor.getActiveCount() < executor.getMaximumPoolSize();
    }

    /** Lets running work finish (up to {@code seconds}); drops what is still queued. */
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
