package ai.kaizen.server.console;

import ai.kaizen.db.cycle.CycleSchedule;
import ai.kaizen.server.lifecycle.CycleCron;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** The cycle schedule as the console's API reads and writes it. */
final class ScheduleJson {

    /** A body whose fields have the wrong types (400). */
    static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    private ScheduleJson() {
    }

    /**
     * The schedule with its next tick after {@code now} ({@code next_run}, null without a cron expression or while
     * disabled) and the cron expression in words.
     */
    static JsonObject write(CycleSchedule s, Instant now) {
        JsonObject json = new JsonObject().put("cron", s.cron()).put("time_zone", "UTC")
                .put("new_preferences", s.newPreferences()).put("preset", s.preset())
                .put("auto_promote", s.autoPromote()).put("enabled", s.enabled())
                .put("updated_by", s.updatedBy()).put("updated_at", ConsoleJson.text(s.updatedAt()))
                .put("description", null).put("next_run", null);
        s.cronExpression().map(CycleCron::parse).ifPresent(cron -> json.put("description", cron.description())
                .put("next_run", s.enabled() ? cron.next(now).map(Instant::toString).orElse(null) : null));
        return json;
    }

    /**
     * The schedule a PUT body asks for: {@code cron} (a string; null or empty for none), {@code new_preferences}
     * (a whole number, 0 or more), {@code preset}, {@code auto_promote} and {@code enabled}; a field left out keeps
     * its value in {@code current}. The cron expression and preset are checked where the schedule is saved.
     */
    static CycleSchedule read(JsonObject body, CycleSchedule current) {
        Object cron = field(body, "cron", current.cron());
        if (cron != null && !(cron instanceof String)) {
            throw new Invalid("cron must be a string (a Unix cron expression of five fields) or null");
        }
        Object n = field(body, "new_preferences", current.newPreferences());
        if (!(n instanceof Integer || n instanceof Long) || ((Number) n).longValue() < 0
                || ((Number) n).longValue() > Integer.MAX_VALUE) {
            throw new Invalid("new_preferences must be a whole number, 0 or more (0 turns it off)");
        }
        Object preset = field(body, "preset", current.preset());
        if (!(preset instanceof String)) {
            throw new Invalid("preset must be a string");
        }
        return new CycleSchedule((String) cron, ((Number) n).intValue(), (String) preset,
                bool(body, "auto_promote", current.autoPromote()), bool(body, "enabled", current.enabled()),
                null, null);
    }

    private static boolean bool(JsonObject body, String name, boolean current) {
        Object value = field(body, name, current);
        if (!(value instanceof Boolean b)) {
            throw new Invalid(name + " must be true or false");
        }
        return b;
    }

    private static Object field(JsonObject body, String name, Object current) {
        return body.containsKey(name) ? body.getValue(name) : current;
    }
}
