package ai.kaizen.server.lifecycle;

import ai.kaizen.server.http.OwnContext;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.CycleSchedule;
import ai.kaizen.db.cycle.FeedbackCounts;
import ai.kaizen.db.cycle.TrainingCycle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Starts cycles by themselves, as the schedule in force says ({@link CycleSchedules}): at the ticks of a cron
 * expression, and/or once enough ratings and pairwise choices arrived since the newest cycle was created.
 * Checked periodically on every instance, reading the schedule each time. Several servers may find the schedule due
 * at the same moment: the cycle records the newest cycle it follows, and the database lets one cycle at most follow
 * each ({@link CycleRepository#createScheduled}), so the schedule fires once however many servers check it.
 */
public final class CycleScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CycleScheduler.class);

    private final CycleService service;
    private final CycleRepository cycles;
    private final CycleSchedules schedules;
    private final FeedbackCounts counts;
    private final Clock clock;
    private final Instant startedAt;
    private final Vertx vertx;
    private final long timer;
    private boolean checking;

    public CycleScheduler(Vertx vertx, CycleService service, CycleSchedules schedules, FeedbackCounts counts,
                          Clock clock, Duration checkEvery) {
        this.vertx = vertx;
        this.service = service;
        this.cycles = service.cycles();
        this.schedules = schedules;
        this.counts = counts;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.timer = OwnContext.periodic(vertx, checkEvery.toMillis(), checkEvery.toMillis(), this::check);
    }

    private void check() {
        if (checking) {
            return;
        }
        checking = true;
        schedules.current().compose(schedule -> {
                    if (!schedule.enabled() || schedule.cronExpression().isEmpty() && schedule.newPreferences() <= 0) {
                        return Future.succeededFuture();
                    }
                    return Future.fromCompletionStage(cycles.newest(1))
                            .compose(newest -> reason(schedule, newest.stream().findFirst())
                                    .compose(reason -> reason.isEmpty() ? Future.succeededFuture()
                                            : start(schedule, reason.get(), newest.stream().findFirst()
                                            .map(TrainingCycle::id).orElse(0L))));
                })
                .onFailure(e -> log.warn("scheduled cycle not started: {}", e.getMessage()))
                .onComplete(done -> checking = false);
    }

    /** Why a cycle should start now, if it should. */
    private Future<Optional<String>> reason(CycleSchedule schedule, Optional<TrainingCycle> last) {
        if (last.isPresent() && last.get().status().isActive()) {
            return Future.succeededFuture(Optional.empty());
        }
        Instant since = last.map(TrainingCycle::createdAt).orElse(Instant.EPOCH);
        if (schedule.cronExpression().isPresent()) {
            // Ticks before this scheduler ran, or before the schedule was saved, are not owed a cycle.
            Instant clockBase = Stream.of(Optional.of(since), Optional.of(startedAt), schedule.savedAt())
                    .flatMap(Optional::stream).max(Instant::compareTo).orElseThrow();
            CycleCron cron = CycleCron.parse(schedule.cron());
            if (cron.due(clockBase, clock.instant())) {
                return Future.succeededFuture(Optional.of("cron '" + cron.expression() + "' (UTC)"));
            }
        }
        if (schedule.newPreferences() <= 0) {
            return Future.succeededFuture(Optional.empty());
        }
        return Future.fromCompletionStage(counts.since(since)).map(fresh ->
                fresh.preferences() >= schedule.newPreferences()
                        ? Optional.of(fresh.preferences() + " new ratings and choices")
                        : Optional.empty());
    }

    private Future<Void> start(CycleSchedule schedule, String reason, long after) {
        return service.startScheduled(new JsonObject().put("preset", schedule.preset())
                        .put("auto_promote", schedule.autoPromote()).put("scheduled", reason), after)
                .onSuccess(cycle -> log.info("scheduled cycle {} started ({})", cycle.id(), reason))
                .<Void>mapEmpty()
                .recover(e -> {
                    // Another server found it due at the same moment and was first: its cycle is the one.
                    Throwable root = CycleService.rootOf(e);
                    if (root instanceof CycleRepository.AlreadyScheduled || root instanceof CycleService.Conflict) {
                        log.debug("scheduled cycle not started here: {}", root.getMessage());
                        return Future.succeededFuture();
                    }
                    return Future.failedFuture(e);
                });
    }

    @Override
    public void close() {
        vertx.cancelTimer(timer);
    }
}
