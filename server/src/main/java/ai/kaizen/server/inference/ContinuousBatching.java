package ai.kaizen.server.inference;

import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.server.metrics.InferenceMetrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Continuous batching ({@code inference.batching=continuous}): one {@link BatchedDecodeLoop} per model that answers
 * (the serving model, a challenger in an online comparison, a model being swapped out while it finishes its
 * answers), started by the first request for it and ended when idle. At most {@code capacity} chats wait to join a
 * batch, all models together; beyond that new ones are refused at once ({@link Saturated}). Background work waits
 * only where no more than {@code capacity} requests wait in all, and never takes a chat's place: chats join first.
 */
public final class ContinuousBatching implements Inference {

    /** How long a loop without work keeps its thread (and its step buffers). */
    private static final long IDLE_SECONDS = 60;

    private final BatchLimits limits;
    private final int capacity;
    private final InferenceMetrics metrics;
    private final AtomicInteger waitingChats = new AtomicInteger();
    private final AtomicInteger waitingBackground = new AtomicInteger();
    private final Map<ServingModel, BatchedDecodeLoop> loops = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ContinuousBatching(BatchLimits limits, int capacity) {
        this(limits, capacity, InferenceMetrics.unscraped());
    }

    /** @param metrics where the loops record tokens, batch sizes and latencies, and the queue depth is read */
    public ContinuousBatching(BatchLimits limits, int capacity, InferenceMetrics metrics) {
        this.limits = limits;
        this.capacity = capacity;
        this.metrics = metrics;
        metrics.queueDepth(this::waiting);
    }

    @Override
    public CompletableFuture<List<GenerationResult>> generate(Request request) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the server is stopping"));
        }
        boolean chat = request.priority() == Priority.CHAT;
        AtomicInteger waiting = chat ? waitingChats : waitingBackground;
        if (waiting.incrementAndGet() > capacity || !chat && waiting() > capacity) {
            waiting.decrementAndGet();
            return CompletableFuture.failedFuture(new Saturated());
        }
        PendingGeneration generation = new PendingGeneration(request, waiting::decrementAndGet);
        while (true) {
            BatchedDecodeLoop loop = loops.computeIfAbsent(request.model(), this::newLoop);
            if (loop.offer(generation)) {
                return generation.future;
            }
            loops.remove(request.model(), loop); // it has just ended: start another
        }
    }

    private BatchedDecodeLoop newLoop(ServingModel model) {
        BatchedDecodeLoop[] self = new BatchedDecodeLoop[1];
        self[0] = new BatchedDecodeLoop(model, limits, IDLE_SECONDS, metrics,
                () -> loops.remove(model, self[0]));
        return self[0].start();
    }

    /** Whether a chat would be accepted now (it may still be refused if others submit first). */
    @Override
    public boolean hasRoom() {
        return waitingChats.get() < capacity;
    }

    /** Requests waiting to join a batch, chats and background work. */
    public int waiting() {
        return waitingChats.get() + waitingBackground.get();
    }

    /** Sequences in the batches of all models now. */
    public int running() {
        return loops.values().stream().mapToInt(BatchedDecodeLoop::running).sum();
    }

    @Override
    public void close(long seconds) {
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<BatchedDecodeLoop> all = List.copyOf(loops.values());
        all.forEach(loop -> loop.shutdown(deadline));
        try {
            for (BatchedDecodeLoop loop : all) {
                // after the deadline a loop ends within a step: give it a little longer than that
                loop.await(deadline - System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
