package ai.kaizen.server.lifecycle;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The "is a cycle due" rule of cron schedules, on fixed instants (no waiting). */
class CycleCronTest {

    // Mondays at 03:00 UTC; 2026-11-16 and 2026-11-23 are Mondays.
    private final CycleCron mondays = CycleCron.parse("0 3 * * 1");
    private final Instant monday = Instant.parse("2026-11-16T03:00:00Z");
    private final Instant nextMonday = Instant.parse("2026-11-23T03:00:00Z");

    @Test
    void ticksAreReadInUtc() {
        assertThat(mondays.next(Instant.parse("2026-11-15T12:00:00Z"))).contains(monday);
        assertThat(mondays.next(monday)).contains(nextMonday);
        assertThat(mondays.last(monday.plusSeconds(30))).contains(monday);
        assertThat(mondays.description()).isEqualTo("At 03:00, only on Monday (UTC)");
        assertThat(CycleCron.parse("*/30 * * * *").description()).isEqualTo("Every 30 minutes (UTC)");
        assertThat(CycleCron.parse("0 2 * * mon-fri").description()).isEqualTo("At 02:00, Monday through Friday (UTC)");
        assertThat(CycleCron.parse("0 3 * * 7").description()).isEqualTo("At 03:00, only on Sunday (UTC)");
    }

    @Test
    void notDueBeforeTheFirstTickAfterTheLastCycle() {
        Instant lastCycle = monday.plusSeconds(60);
        assertThat(mondays.due(lastCycle, lastCycle.plusSeconds(1))).isFalse();
        assertThat(mondays.due(lastCycle, nextMonday.minusSeconds(1))).isFalse();
        assertThat(mondays.due(lastCycle, nextMonday.plusSeconds(30))).isTrue();
    }

    @Test
    void aCycleStartedAfterTheTickSatisfiesIt() {
        // the tick at 03:00 fired a cycle created a moment later: the next check must not fire again
        Instant created = monday.plusMillis(700);
        assertThat(mondays.due(created, monday.plusSeconds(45))).isFalse();
    }

    @Test
    void ticksMissedWhileDownFireOnceNotOnceEach() {
        // the server was down for three Mondays: the newest tick is due once...
        Instant lastCycle = Instant.parse("2026-10-26T03:05:00Z");
        Instant back = Instant.parse("2026-11-18T09:00:00Z");
        assertThat(mondays.due(lastCycle, back)).isTrue();
        // ...and once that cycle was created, the missed ones are forgotten until the next tick
        Instant fired = back.plusSeconds(1);
        assertThat(mondays.due(fired, back.plusSeconds(60))).isFalse();
        assertThat(mondays.due(fired, nextMonday.minusSeconds(1))).isFalse();
        assertThat(mondays.due(fired, nextMonday.plusSeconds(1))).isTrue();
    }

    @Test
    void everyMinute() {
        CycleCron minutely = CycleCron.parse("* * * * *");
        Instant since = Instant.parse("2026-11-18T09:00:20Z");
        assertThat(minutely.due(since, Instant.parse("2026-11-18T09:00:59Z"))).isFalse();
        assertThat(minutely.due(since, Instant.parse("2026-11-18T09:01:01Z"))).isTrue();
    }

    @Test
    void aBadExpressionNamesTheProblem() {
        assertThatThrownBy(() -> CycleCron.parse("0 3 * * 1 2026")).isInstanceOf(CycleCron.Invalid.class)
                .hasMessageContaining("'0 3 * * 1 2026'").hasMessageContaining("five fields");
        assertThatThrownBy(() -> CycleCron.parse("61 * * * *")).isInstanceOf(CycleCron.Invalid.class)
                .hasMessageContaining("61");
        assertThatThrownBy(() -> CycleCron.parse("every monday")).isInstanceOf(CycleCron.Invalid.class);
        assertThatThrownBy(() -> CycleCron.parse(" ")).isInstanceOf(CycleCron.Invalid.class)
                .hasMessageContaining("empty");
    }
}
