package ai.kaizen.server.config;

import ai.kaizen.db.cycle.CycleSchedule;
import ai.kaizen.server.lifecycle.CycleCron;
import ai.kaizen.trainer.cycle.CyclePresets;

import java.time.Duration;
import java.util.Map;

/**
 * Retraining cycles: trainer heartbeat and its timeout, and when cycles start by themselves until an operator saves
 * a schedule in the console.
 *
 * @param scheduleCron           start a cycle at the ticks of this Unix cron expression, in UTC (empty: never by
 *                               the clock)
 * @param scheduleNewPreferences start one once this much new feedback arrived (zero: never)
 */
public record LifecycleSettings(Duration heartbeat, Duration heartbeatTimeout, String scheduleCron,
                                int scheduleNewPreferences, String schedulePreset, boolean autoPromote) {

    static LifecycleSettings from(ConfigValues values) {
        Duration heartbeat = Duration.ofSeconds(values.integer(ConfigKey.CYCLE_HEARTBEAT_SECONDS, 1, 3600));
        Duration timeout = Duration.ofSeconds(values.integer(ConfigKey.CYCLE_HEARTBEAT_TIMEOUT_SECONDS, 2, 86_400));
        if (timeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw values.invalid(ConfigKey.CYCLE_HEARTBEAT_TIMEOUT_SECONDS, "must be at least twice "
                    + ConfigKey.CYCLE_HEARTBEAT_SECONDS.key());
        }
        String preset = values.text(ConfigKey.CYCLE_SCHEDULE_PRESET);
        if (!CyclePresets.names().contains(preset)) {
            throw values.invalid(ConfigKey.CYCLE_SCHEDULE_PRESET, "must be one of " + CyclePresets.names());
        }
        String cron = values.text(ConfigKey.CYCLE_SCHEDULE_CRON).trim();
        if (!cron.isEmpty()) {
            try {
                CycleCron.parse(cron);
            } catch (CycleCron.Invalid e) {
                throw values.invalid(ConfigKey.CYCLE_SCHEDULE_CRON, e.getMessage());
            }
        }
        return new LifecycleSettings(heartbeat, timeout, cron,
                values.integer(ConfigKey.CYCLE_SCHEDULE_NEW_PREFERENCES, 0, 10_000_000),
                preset, values.bool(ConfigKey.CYCLE_AUTO_PROMOTE));
    }

    static LifecycleSettings of(Map<ConfigKey, String> texts) {
        ConfigValues values = new ConfigValues();
        texts.forEach((key, value) -> values.set(key, value, "code"));
        return from(values);
    }

    /** The schedule these settings describe: the one in force while no operator has saved another. */
    public CycleSchedule schedule() {
        return new CycleSchedule(scheduleCron, scheduleNewPreferences, schedulePreset, autoPromote, true, null, null);
    }
}
