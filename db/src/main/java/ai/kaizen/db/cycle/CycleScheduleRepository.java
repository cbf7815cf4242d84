package ai.kaizen.db.cycle;

import ai.kaizen.db.NativeValues;
import org.hibernate.reactive.stage.Stage;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** The one stored {@link CycleSchedule}: read on every scheduler check, written from the console. */
public final class CycleScheduleRepository {

    private static final String COLUMNS = "cron, new_preferences, preset, auto_promote, enabled, updated_by, updated_at";

    private final Stage.SessionFactory sessions;

    public CycleScheduleRepository(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /** The saved schedule, or empty while no operator has saved one. */
    public CompletionStage<Optional<CycleSchedule>> find() {
        return sessions.withSession(s -> s.createNativeQuery("SELECT " + COLUMNS + " FROM cycle_schedule",
                        Object[].class).getResultList())
                .thenApply(rows -> rows.stream().findFirst().map(CycleScheduleRepository::schedule));
    }

    /** Replaces the saved schedule (the time saved is the database's now) and returns it as stored. */
    public CompletionStage<CycleSchedule> save(CycleSchedule schedule) {
        Objects.requireNonNull(schedule.updatedBy(), "updatedBy");
        return sessions.withTransaction(s -> s.createNativeQuery("INSERT INTO cycle_schedule (" + COLUMNS + ")"
                                + " VALUES (cast(:cron AS varchar), :n, :preset, :auto, :enabled, :by, now())"
                                + " ON CONFLICT (id) DO UPDATE SET cron = excluded.cron,"
                                + " new_preferences = excluded.new_preferences, preset = excluded.preset,"
                                + " auto_promote = excluded.auto_promote, enabled = excluded.enabled,"
                                + " updated_by = excluded.updated_by, updated_at = excluded.updated_at")
                        .setParameter("cron", schedule.cron())
                        .setParameter("n", schedule.newPreferences())
                        .setParameter("preset", schedule.preset())
                        .setParameter("auto", schedule.autoPromote())
                        .setParameter("enabled", schedule.enabled())
                        .setParameter("by", schedule.updatedBy())
                        .executeUpdate()
                        .thenCompose(n -> s.createNativeQuery("SELECT " + COLUMNS + " FROM cycle_schedule",
                                Object[].class).getSingleResult()))
                .thenApply(CycleScheduleRepository::schedule);
    }

    private static CycleSchedule schedule(Object[] r) {
        return new CycleSchedule((String) r[0], ((Number) r[1]).intValue(), (String) r[2], (Boolean) r[3],
                (Boolean) r[4], (String) r[5], NativeValues.instant(r[6]));
    }
}
