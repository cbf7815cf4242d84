package ai.kaizen.trainer.cycle;

import ai.kaizen.db.cycle.CycleRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The trainer's side of a cycle's row: a heartbeat every few seconds from a thread of its own (so that a long
 * step or a model load never looks like a dead trainer), the stage and step, every metric and log line. When the
 * row stops accepting heartbeats (an operator cancelled, or the server declared the trainer dead) it raises
 * {@link #stopRequested()}, which the stages check between steps.
 */
public final class CycleReporter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CycleReporter.class);
    private static final long TIMEOUT_S = 60;

    private final CycleRepository cycles;
    private final long cycleId;
    private final ScheduledExecutorService beat;
    private volatile String stage = "starting";
    private volatile int step;
    private volatile int total;
    private volatile boolean stop;

    public CycleReporter(CycleRepository cycles, long cycleId, Duration interval) {
        this.cycles = cycles;
        this.cycleId = cycleId;
        this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kaizen-cycle-heartbeat");
            t.setDaemon(true);
            return t;
        });
        beat.scheduleAtFixedRate(this::heartbeat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void heartbeat() {
        try {
            if (!await(cycles.heartbeat(cycleId, stage, step, total))) {
                stop = true;
            }
        } catch (RuntimeException e) {
            log.warn("heartbeat failed: {}", e.getMessage());
        }
    }

    /** The cycle is at {@code step} of {@code total} in {@code kind}. */
    public void progress(StageKind kind, int step, int total) {
        boolean newStage = !kind.label().equals(this.stage);
        this.stage = kind.label();
        this.step = step;
        this.total = total;
        if (newStage) {
            // At once, not at the next beat: a short stage (an evaluation of a few prompts) can start and end
            // between two beats, and the row would never show it.
            heartbeat();
        }
    }

    /** Records the numeric values of one log line of a stage's trainer. */
    public void metrics(StageKind kind, int step, Map<String, ? extends Number> values) {
        Map<String, Double> numbers = new LinkedHashMap<>();
        values.forEach((name, value) -> {
            double v = value.doubleValue();
            if (Double.isFinite(v) && !name.equals("step")) {
                numbers.put(name, v);
            }
        });
        await(cycles.metrics(cycleId, kind.label(), step, numbers));
    }

    /** Appends a line to the cycle's log (and the process's own). */
    public void log(String line) {
        log.info("cycle {}: {}", cycleId, line);
        await(cycles.log(cycleId, line));
    }

    /** Whether the cycle was cancelled or declared dead: stop at the next step. */
    public boolean stopRequested() {
        return stop;
    }

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the database did not answer in " + TIMEOUT_S + " s", e);
        }
    }

    @Override
    public void close() {
        beat.shutdownNow();
    }
}
