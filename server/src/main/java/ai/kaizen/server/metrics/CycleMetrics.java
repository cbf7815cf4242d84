package ai.kaizen.server.metrics;

import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.server.http.OwnContext;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Retraining cycles as gauges, read from the database every {@code every} (a scrape never waits for it):
 * {@code kaizen_cycles{status}}, how many cycles are in each status ({@code queued}, {@code running},
 * {@code succeeded}, {@code gate_failed}, {@code no_verdict}, {@code failed}, {@code cancelled}), and
 * {@code kaizen_cycle_progress_ratio}, the active cycle's step over its stage's total (0 when none runs).
 */
public final class CycleMetrics implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CycleMetrics.class);

    private final Vertx vertx;
    private final CycleRepository cycles;
    private final Map<TrainingCycle.Status, AtomicLong> counts = new EnumMap<>(TrainingCycle.Status.class);
    private final AtomicLong progressPerMille = new AtomicLong();
    private final long timer;

    public CycleMetrics(Vertx vertx, CycleRepository cycles, MeterRegistry registry, Duration every) {
        this.vertx = vertx;
        this.cycles = cycles;
        for (TrainingCycle.Status status : TrainingCycle.Status.values()) {
            AtomicLong count = new AtomicLong();
            counts.put(status, count);
            Gauge.builder("kaizen.cycles", count, AtomicLong::doubleValue).tag("status", status.name())
                    .description("Retraining cycles in each status").register(registry);
        }
        Gauge.builder("kaizen.cycle.progress.ratio", progressPerMille, p -> p.get() / 1000.0)
                .description("The active cycle's step over its stage's total steps").register(registry);
        timer = OwnContext.periodic(vertx, 0, every.toMillis(), this::refresh);
    }

    private void refresh() {
        cycles.countByStatus().thenCompose(found -> {
            counts.forEach((status, count) -> count.set(found.getOrDefault(status, 0L)));
            return cycles.active();
        }).whenComplete((active, e) -> {
            if (e != null) {
                log.debug("could not read the cycles for metrics: {}", e.getMessage());
                return;
            }
            progressPerMille.set(active.filter(c -> c.totalSteps() > 0)
                    .map(c -> Math.round(1000.0 * c.step() / c.totalSteps())).orElse(0L));
        });
    }

    @Override
    public void close() {
        vertx.cancelTimer(timer);
    }
}
