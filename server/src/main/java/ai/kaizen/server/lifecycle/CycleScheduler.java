package ai.kaizen.server.lifecycle;

import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.FeedbackCounts;
import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.server.config.LifecycleSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Starts cycles by themselves: every {@code cycle.schedule-minutes} since the last cycle began, and/or once
 * {@code cycle.schedule-new-preferences} ratings and pairwise choices arrived since then. Checked periodically on
 * every instance; the database lets only one cycle be active, so two instances never start two.
 */
public final class CycleScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CycleScheduler.class);

    private final CycleService service;
    private final CycleRepository cycles;
    private final FeedbackCounts counts;
    private final LifecycleSettings settings;
    private final Instant startedAt = Instant.now();
    private final Vertx vertx;
    private final long timer;
    private boolean checking;

    public CycleScheduler(Vertx vertx, CycleService service, FeedbackCounts counts, LifecycleSettings settings,
                          Duration checkEvery) {
        this.vertx = vertx;
        this.service = service;
        this.cycles = service.cycles();
        this.counts = counts;
        this.settings = settings;
        boolean enabled = !settings.scheduleEvery().isZero() || settings.scheduleNewPreferences() > 0;
        this.timer = enabled ? vertx.setPeriodic(checkEvery.toMillis(), id -> check()) : -1;
    }

    private void check() {
        if (checking) {
            return;
        }
        checking = true;
        Future.fromCompletionStage(cycles.newest(1))
                .compose(newest -> {
                    Optional<TrainingCycle> last = newest.stream().findFirst();
                    if (last.isPresent() && last.get().status().isActive()) {
                        return Future.succeededFuture(Optional.<String>empty());
                    }
                    Instant since = last.map(TrainingCycle::createdAt).orElse(Instant.EPOCH);
                    Instant clockBase = since.isAfter(startedAt) ? since : startedAt;
                    if (!settings.scheduleEvery().isZero()
                            && !Instant.now().isBefore(clockBase.plus(settings.scheduleEvery()))) {
                        return Future.succeededFuture(Optional.of("every " + settings.scheduleEvery().toMinutes()
                                + " minutes"));
                    }
                    if (settings.scheduleNewPreferences() <= 0) {
                        return Future.succeededFuture(Optional.<String>empty());
                    }
                    return Future.fromCompletionStage(counts.since(since)).map(fresh ->
                            fresh.preferences() >= settings.scheduleNewPreferences()
                                    ? Optional.of(fresh.preferences() + " new ratings and choices")
                                    : Optional.<String>empty());
                })
                .compose(reason -> reason.isEmpty() ? Future.succeededFuture() : service.start(new JsonObject()
                                .put("preset", settings.schedulePreset()).put("auto_promote", settings.autoPromote())
                                .put("scheduled", reason.get()), "scheduler")
                        .onSuccess(cycle -> log.info("scheduled cycle {} started ({})", cycle.id(), reason.get()))
                        .mapEmpty())
                .onFailure(e -> log.warn("scheduled cycle not started: {}", e.getMessage()))
                .onComplete(done -> checking = false);
    }

    @Override
    public void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
