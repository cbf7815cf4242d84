package ai.kaizen.server.lifecycle;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import it.burning.cron.CronExpressionDescriptor;
import it.burning.cron.CronExpressionParser;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;

/**
 * A Unix cron expression of five fields (minute, hour, day of month, month, day of week), read in UTC so that
 * every instance and every operator means the same moments whatever their own time zone.
 */
public final class CycleCron {

    /** An expression that is not a Unix cron expression; the message names the problem. */
    public static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final String expression;
    private final Cron cron;
    private final ExecutionTime times;

    private CycleCron(String expression, Cron cron) {
        this.expression = expression;
        this.cron = cron;
        this.times = ExecutionTime.forCron(cron);
    }

    /** Parses {@code expression}, e.g. {@code 0 3 * * 1} (Mondays at 03:00 UTC). */
    public static CycleCron parse(String expression) {
        String text = expression == null ? "" : expression.trim();
        if (text.isEmpty()) {
            throw new Invalid("the cron expression is empty");
        }
        try {
            Cron cron = PARSER.parse(text).validate();
            return new CycleCron(text, cron);
        } catch (IllegalArgumentException e) {
            throw new Invalid("'" + text + "' is not a Unix cron expression of five fields (minute hour "
                    + "day-of-month month day-of-week): " + e.getMessage());
        }
    }

    public String expression() {
        return expression;
    }

    /**
     * In words, e.g. "At 03:00, only on Monday (UTC)" (cron-expression-descriptor, a port of the descriptions
     * crontab.guru-style tools give; cron-utils' own reads "at 03:00 at Monday day").
     */
    public String description() {
        CronExpressionParser.Options options = new CronExpressionParser.Options();
        options.setUse24HourTimeFormat(true);
        options.setLocale(Locale.ENGLISH);
        try {
            // it knows day and month names in capitals only; cron accepts them in any case
            return CronExpressionDescriptor.getDescription(expression.toUpperCase(Locale.ROOT), options) + " (UTC)";
        } catch (RuntimeException e) {
            // an expression cron-utils accepts but the describer cannot read: cron-utils' words are better than none
            return CronDescriptor.instance(Locale.ENGLISH).describe(cron) + " (UTC)";
        }
    }

    /** The first tick after {@code after}, if the expression ever ticks again. */
    public Optional<Instant> next(Instant after) {
        return times.nextExecution(after.atZone(ZoneOffset.UTC)).map(t -> t.toInstant());
    }

    /** The newest tick before {@code now}. */
    public Optional<Instant> last(Instant now) {
        return times.lastExecution(now.atZone(ZoneOffset.UTC)).map(t -> t.toInstant());
    }

    /**
     * Whether a cycle is due at {@code now}: the newest tick came after {@code since} (the later of the newest
     * cycle's start and the scheduler's). Only the newest tick counts, so ticks missed while no server ran start
     * one cycle, not one each; and a cycle started after a tick (by hand or by the scheduler) waits for the next.
     */
    public boolean due(Instant since, Instant now) {
        return last(now).filter(tick -> tick.isAfter(since)).isPresent();
    }
}
