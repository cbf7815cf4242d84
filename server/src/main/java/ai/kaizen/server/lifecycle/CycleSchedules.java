package ai.kaizen.server.lifecycle;

import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.cycle.CycleSchedule;
import ai.kaizen.db.cycle.CycleScheduleRepository;
import ai.kaizen.trainer.cycle.CyclePresets;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Objects;
import java.util.TreeSet;

/**
 * The schedule in force: the one an operator saved in the console, else the configuration's. Read afresh on each
 * scheduler check, so a schedule saved on one instance applies on every instance.
 */
public final class CycleSchedules {

    private final CycleScheduleRepository stored;
    private final CycleSchedule configured;
    private final AuditLog audit;

    public CycleSchedules(CycleScheduleRepository stored, CycleSchedule configured, AuditLog audit) {
        this.stored = Objects.requireNonNull(stored);
        this.configured = Objects.requireNonNull(configured);
        this.audit = Objects.requireNonNull(audit);
    }

    public Future<CycleSchedule> current() {
        return Future.fromCompletionStage(stored.find()).map(saved -> saved.orElse(configured));
    }

    /**
     * Checks and saves {@code schedule} as {@code actor}'s, and audits it ({@code set_schedule}).
     *
     * @throws CycleService.InvalidRequest (as the failed future) for a bad cron expression or an unknown preset
     */
    public Future<CycleSchedule> save(CycleSchedule schedule, String actor) {
        try {
            schedule.cronExpression().ifPresent(CycleCron::parse);
        } catch (CycleCron.Invalid e) {
            return Future.failedFuture(new CycleService.InvalidRequest(e.getMessage()));
        }
        if (!CyclePresets.names().contains(schedule.preset())) {
            return Future.failedFuture(new CycleService.InvalidRequest("preset must be one of "
                    + new TreeSet<>(CyclePresets.names()) + ", not '" + schedule.preset() + "'"));
        }
        return Future.fromCompletionStage(stored.save(schedule.savedBy(actor)))
                .compose(saved -> Future.fromCompletionStage(audit.record(actor, "set_schedule", new JsonObject()
                                .put("cron", saved.cron()).put("new_preferences", saved.newPreferences())
                                .put("preset", saved.preset()).put("auto_promote", saved.autoPromote())
                                .put("enabled", saved.enabled()).encode()))
                        .map(recorded -> saved));
    }
}
