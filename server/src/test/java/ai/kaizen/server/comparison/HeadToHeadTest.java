package ai.kaizen.server.comparison;

import ai.kaizen.db.comparison.Tally;
import ai.kaizen.server.config.ConfigKey;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class HeadToHeadTest {

    private static final int MIN_VOTES = Integer.parseInt(ConfigKey.COMPARISON_MIN_VOTES.defaultValue());

    @Test
    void withoutChoicesThereIsNoRate() {
        HeadToHead none = HeadToHead.of(Tally.NONE, MIN_VOTES);
        assertThat(none.winRate()).isNull();
        assertThat(none.lower()).isNull();
        assertThat(none.challengerBetter()).isFalse();
        assertThat(none.baselineBetter()).isFalse();
        assertThat(none.verdict()).isEqualTo("no choices yet");
    }

    @Test
    void tiesAndBothBadCountHalfInTheRateButNotAsDecidedVotes() {
        // challenger 3, baseline 1, tie 1, both bad 1: (3 + 1) / 6
        HeadToHead mixed = HeadToHead.of(new Tally(1, 3, 1, 1), MIN_VOTES);
        assertThat(mixed.winRate()).isCloseTo(4.0 / 6, within(1e-12));
        assertThat(mixed.decidedVotes()).isEqualTo(4);
        HeadToHead allTies = HeadToHead.of(new Tally(0, 0, 500, 500), MIN_VOTES);
        assertThat(allTies.winRate()).isEqualTo(0.5);
        assertThat(allTies.lower()).isLessThan(0.5);
        assertThat(allTies.upper()).isGreaterThan(0.5);
        assertThat(allTies.lower() + allTies.upper()).isCloseTo(1.0, within(1e-12));
        assertThat(allTies.eloDifference()).isCloseTo(0.0, within(1e-9));
        assertThat(allTies.verdict()).isEqualTo("too few votes: 0 of 194");
    }

    @Test
    void noVerdictBeforeTheMinimumHoweverOneSided() {
        for (long wins : new long[]{2, 20, 193}) {
            HeadToHead sweep = HeadToHead.of(new Tally(0, wins, 0, 0), MIN_VOTES);
            assertThat(sweep.winRate()).isEqualTo(1.0);
            assertThat(sweep.eloDifference()).isNull();
            assertThat(sweep.challengerBetter()).isFalse();
            assertThat(sweep.verdict()).isEqualTo("too few votes: " + wins + " of 194");
            assertThat(HeadToHead.of(new Tally(wins, 0, 0, 0), MIN_VOTES).baselineBetter()).isFalse();
        }
        // a thousand ties do not make up for missing wins and losses
        assertThat(HeadToHead.of(new Tally(0, 100, 1000, 0), MIN_VOTES).verdict())
                .isEqualTo("too few votes: 100 of 194");
    }

    @Test
    void theIntervalAloneRefusesAVerdictOnTwoVotes() {
        HeadToHead two = HeadToHead.of(new Tally(0, 2, 0, 0), 1);
        assertThat(two.upper()).isEqualTo(1.0);
        assertThat(two.lower()).isLessThan(0.5);
        assertThat(two.verdict()).isEqualTo("no difference detected yet");
        // twenty to none is evidence enough for the interval, once the minimum allows a verdict
        assertThat(HeadToHead.of(new Tally(0, 20, 0, 0), 20).verdict()).isEqualTo("challenger better");
    }

    @Test
    void atTheMinimumAVerdictNeedsTheIntervalToExcludeOneHalf() {
        // 200 decided votes: the interval is about ±0.107 wide
        HeadToHead sixty = HeadToHead.of(new Tally(80, 120, 0, 0), MIN_VOTES);
        assertThat(sixty.upper() - sixty.lower()).isCloseTo(2 * 0.107, within(0.002));
        assertThat(sixty.lower()).isLessThan(0.5);
        assertThat(sixty.verdict()).isEqualTo("no difference detected yet");
        HeadToHead better = HeadToHead.of(new Tally(70, 130, 0, 0), MIN_VOTES);
        assertThat(better.lower()).isGreaterThan(0.5);
        assertThat(better.verdict()).isEqualTo("challenger better");
        HeadToHead worse = HeadToHead.of(new Tally(130, 70, 0, 0), MIN_VOTES);
        assertThat(worse.upper()).isLessThan(0.5);
        assertThat(worse.verdict()).isEqualTo("baseline better");
        // Bradley-Terry strength gap on the Elo scale: 400 log10(0.65 / 0.35)
        assertThat(better.eloDifference()).isCloseTo(107.54, within(0.01));
    }

    @Test
    void theDefaultMinimumIsThePowerCalculationInTheReadme() {
        // votes to tell a win rate of 0.60 from 0.50 with 80% power at two-sided alpha 0.05 (normal approximation)
        double z975 = 1.959964;
        double z80 = 0.841621;
        double n = Math.pow((z975 * 0.5 + z80 * Math.sqrt(0.6 * 0.4)) / 0.1, 2);
        assertThat(n).isCloseTo(193.85, within(0.01));
        assertThat(MIN_VOTES).isEqualTo((int) Math.ceil(n));
    }
}
