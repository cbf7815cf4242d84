package ai.kaizen.db.cycle;

import java.time.Instant;
import java.util.Optional;

/**
 * When cycles start by themselves: at the ticks of a cron expression, and/or once enough new preferences arrived.
 *
 * @param cron           a Unix cron expression of five fields, read in UTC; null: no clock schedule
 * @param newPreferences start a cycle once this many ratings and pairwise choices arrived since the newest cycle
 *                       was created; 0: off
 * @param preset         the hyper-parameter preset of the cycles it starts
 * @param autoPromote    whether those cycles promote a candidate that passes the gate
 * @param enabled        off stops both triggers without forgetting them
 * @param updatedBy      who saved it; null while it is the configuration's, never saved
 * @param updatedAt      when it was saved; null while it is the configuration's
 */
public record CycleSchedule(String cron, int newPreferences, String preset, boolean autoPromote, boolean enabled,
                            String updatedBy, Instant updatedAt) {

    public CycleSchedule {
        if (cron != null && cron.isBlank()) {
            cron = null;
        }
        if (newPreferences < 0) {
            throw new IllegalArgumentException("new_preferences must be 0 or more");
        }
    }

    public Optional<String> cronExpression() {
        return Optional.ofNullable(cron);
    }

    public Optional<Instant> savedAt() {
        return Optional.ofNullable(updatedAt);
    }

    /** The same schedule as saved by {@code actor} (the time is the database's). */
    public CycleSchedule savedBy(String actor) {
        return new CycleSchedule(cron, newPreferences, preset, autoPromote, enabled, actor, null);
    }
}
