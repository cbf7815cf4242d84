package ai.kaizen.server.inference;

import ai.kaizen.model.generation.DecodingSequence;
import ai.kaizen.model.generation.Generator;
import ai.kaizen.model.llama.BatchedDecoder;
import ai.kaizen.model.llama.KvCache;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.server.metrics.InferenceMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Continuous batching for one model: a thread of its own that decodes every running sequence together, one token
 * each per step, and between steps lets finished and cancelled sequences leave (their memory freed at once), lets
 * waiting requests join (chats before background work, within {@link BatchLimits}), and reads the prompts of those
 * that joined, at most {@code prefillChunk} tokens per step, so that running answers keep streaming.
 *
 * <p>Each sequence keeps its request's sampling settings, stop strings, seed and token budget
 * ({@link DecodingSequence}) and a key/value cache of its own; the step reads the weights once for all of them
 * ({@link BatchedDecoder}). The loop ends when it has been idle for a while, or at {@link #shutdown}.
 */
final class BatchedDecodeLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(BatchedDecodeLoop.class);

    private final ServingModel model;
    private final LlamaModel network;
    private final Generator generator;
    private final BatchLimits limits;
    private final long idleNanos;
    private final Runnable onExit;
    private final InferenceMetrics metrics;

    // guarded by this: requests waiting to join, and whether more are taken
    private final Deque<PendingGeneration> chats = new ArrayDeque<>();
    private final Deque<PendingGeneration> background = new ArrayDeque<>();
    private boolean accepting = true;
    private Long stopAt; // after a shutdown: when running sequences are cut short

    // the loop's thread only
    private final List<RunningSequence> batch = new ArrayList<>();
    private final KvBudget budget;
    private volatile int running;
    private Thread thread;

    /**
     * @param idleSeconds how long the loop waits for work before it ends
     * @param onExit      run once when the loop stops taking requests (under its lock, before {@link #offer}
     *                    answers false)
     */
    BatchedDecodeLoop(ServingModel model, BatchLimits limits, long idleSeconds, InferenceMetrics metrics,
            Runnable onExit) {
        this.metrics = metrics;
        this.model = model;
        this.network = model.model().network();
        this.generator = model.model().generator();
        this.limits = limits;
        this.idleNanos = TimeUnit.SECONDS.toNanos(idleSeconds);
        this.onExit = onExit;
        this.budget = new KvBudget(network, limits.kvCacheBytes());
    }

    BatchedDecodeLoop start() {
        thread = new Thread(this, "kaizen-decode-" + model.version());
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Queues {@code generation}; false when this loop has stopped taking requests (make another). */
    synchronized boolean offer(PendingGeneration generation) {
        if (!accepting) {
            return false;
        }
        (generation.request.priority() == Inference.Priority.CHAT ? chats : background).add(generation);
        notifyAll();
        return true;
    }

    /** Sequences in the batch now. */
    int running() {
        return running;
    }

    /**
     * Takes no more requests and refuses those waiting; running sequences go on until {@code deadlineNanos}
     * ({@link System#nanoTime()}), then end as cancelled.
     */
    synchronized void shutdown(long deadlineNanos) {
        stopAt = deadlineNanos;
        refuseWaiting(new IllegalStateException("the server is stopping"));
    }

    /** Takes no more requests and fails those waiting with {@code cause}. */
    private synchronized void refuseWaiting(Throwable cause) {
        stopTaking();
        for (Deque<PendingGeneration> q : List.of(chats, background)) {
            q.forEach(g -> g.fail(cause));
            q.clear();
        }
        notifyAll();
    }

    /** Waits up to {@code nanos} for the loop's thread to end; whether it did. */
    boolean await(long nanos) throws InterruptedException {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
        return !thread.isAlive();
    }

    @Override
    public void run() {
        BatchedDecoder decoder = network.newBatchedDecoder();
        try {
            while (takeWork()) {
                if (pastDeadline()) {
                    batch.forEach(s -> s.sequence.cancel());
                }
                for (RunningSequence s : batch) {
                    if (s.owner.cancelled()) {
                        s.sequence.cancel();
                    }
                }
                leave();
                prefill();
                leave();
                decode(decoder);
                leave();
            }
        } catch (Throwable e) {
            log.error("the decode loop of {} failed", model.version(), e);
            refuseWaiting(e);
            batch.forEach(s -> s.owner.fail(e));
            leave();
        }
    }

    private synchronized boolean pastDeadline() {
        return stopAt != null && System.nanoTime() - stopAt > 0;
    }

    private void stopTaking() {
        if (accepting) {
            accepting = false;
            onExit.run();
        }
    }

    /**
     * Lets waiting requests join while they fit (chats first), or, with nothing running, waits for one. False when
     * the loop should end: stopped, or idle too long.
     */
    private boolean takeWork() throws InterruptedException {
        List<PendingGeneration> joining = new ArrayList<>();
        List<PendingGeneration> gone = new ArrayList<>();
        synchronized (this) {
            long idleSince = System.nanoTime();
            while (true) {
                for (Deque<PendingGeneration> q : List.of(chats, background)) {
                    q.removeIf(g -> g.cancelled() && gone.add(g));
                }
                long reserved = 0;
                int rows = batch.size();
                PendingGeneration next;
                while ((next = !chats.isEmpty() ? chats.peek() : background.peek()) != null) {
                    long bytes = bytesFor(next);
                    boolean empty = rows == 0 && reserved == 0;
                    if (!empty && (rows + next.size() > limits.maxBatch() || !budget.fits(reserved + bytes))) {
                        break; // the head waits; nothing overtakes it, so chats stay first
                    }
                    (chats.peek() == next ? chats : background).poll();
                    joining.add(next);
                    rows += next.size();
                    reserved += bytes;
                }
                if (!batch.isEmpty() || !joining.isEmpty() || !gone.isEmpty()) {
                    break;
                }
                if (!accepting) {
                    return false;
                }
                long idle = System.nanoTime() - idleSince;
                if (idle >= idleNanos) {
                    stopTaking();
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, idleNanos - idle);
            }
        }
        gone.forEach(this::endUnstarted);
        joining.forEach(this::join);
        running = batch.size();
        return true;
    }

    /** Bytes the sequences of {@code g} reserve (prompt plus token budget each). */
    private long bytesFor(PendingGeneration g) {
        long bytes = 0;
        int context = network.config().maxPositionEmbeddings();
        for (int[] p : g.request.prompts()) {
            bytes += budget.bytesFor(Math.min(context, p.length + g.request.options().maxNewTokens()));
        }
        return bytes;
    }

    /** A request cancelled before it joined: each of its answers ends empty, as cancelled. */
    private void endUnstarted(PendingGeneration g) {
        try {
            for (int i = 0; i < g.size(); i++) {
                DecodingSequence s = generator.newSequence(i, g.request.prompts().get(i), g.request.options());
                s.cancel();
                g.finished(i, s.result());
            }
        } catch (RuntimeException e) {
            g.fail(e);
        }
    }

    private void join(PendingGeneration g) {
        g.leaveQueue();
        try {
            for (int i = 0; i < g.size(); i++) {
                int[] prompt = g.request.prompts().get(i);
                DecodingSequence s = generator.newSequence(i, prompt, g.request.options());
                if (s.finished()) { // no room for a single token
                    g.finished(i, s.result());
                    continue;
                }
                int positions = prompt.length + s.maxNewTokens();
                long bytes = budget.bytesFor(positions);
                KvCache cache = network.newCache(1, positions);
                budget.reserve(bytes);
                batch.add(new RunningSequence(g, i, s, cache, bytes));
            }
        } catch (RuntimeException e) {
            g.fail(e); // e.g. a prompt longer than the context; sequences already added leave with it
        }
    }

    /** Reads at most {@code prefillChunk} prompt tokens, oldest sequences first; a finished prompt gives a token. */
    private void prefill() {
        int left = limits.prefillChunk();
        for (RunningSequence s : batch) {
            if (left == 0) {
                break;
            }
            if (s.prefilled() || !s.alive()) {
                continue;
            }
            try {
                int[][] chunk = s.nextChunk(left);
                left -= chunk[0].length;
                float[] logits = network.nextTokenLogits(s.cache, chunk)[0];
                if (s.prefilled()) {
                    s.sequence.offer(logits, s.owner.request.listener());
                    metrics.tokensGenerated(1);
                    metrics.timeToFirstToken(Duration.ofNanos(System.nanoTime() - s.owner.admittedNanos));
                }
            } catch (RuntimeException e) {
                s.owner.fail(e);
            }
        }
    }

    /** One token for every sequence whose prompt has been read. */
    private void decode(BatchedDecoder decoder) {
        List<RunningSequence> rows = new ArrayList<>();
        for (RunningSequence s : batch) {
            if (s.prefilled() && s.alive()) {
                rows.add(s);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        float[][] logits;
        long started = System.nanoTime();
        try {
            logits = decoder.step(rows.stream().map(s -> s.cache).toList(),
                    rows.stream().mapToInt(s -> s.sequence.lastToken()).toArray());
        } catch (RuntimeException e) {
            rows.forEach(s -> s.owner.fail(e));
            return;
        }
        metrics.batchSize(rows.size());
        metrics.tokensGenerated(rows.size());
        metrics.tokenLatency(Duration.ofNanos(System.nanoTime() - started));
        for (int i = 0; i < rows.size(); i++) {
            RunningSequence s = rows.get(i);
            try {
                s.sequence.offer(logits[i], s.owner.request.listener());
            } catch (RuntimeException e) {
                s.owner.fail(e);
            }
        }
    }

    /** Sequences that finished, were cancelled or failed leave the batch: caches closed, memory released. */
    private void leave() {
        for (Iterator<RunningSequence> it = batch.iterator(); it.hasNext(); ) {
            RunningSequence s = it.next();
            if (s.alive()) {
                continue;
            }
            it.remove();
            s.cache.close();
            budget.release(s.reservedBytes);
            if (!s.owner.done()) {
                s.owner.finished(s.index, s.sequence.result());
            }
        }
        running = batch.size();
    }
}
