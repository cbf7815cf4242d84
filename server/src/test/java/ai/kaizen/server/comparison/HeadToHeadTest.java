package ai.kaizen.server.comparison;

import ai.kaizen.db.comparison.Tally;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class HeadToHeadTest {

    @Test
    void withoutChoicesThereIsNoRate() {
        HeadToHead none = HeadToHead.of(Tally.NONE);
        assertThat(none.winRate()).isNull();
        assertThat(none.lower()).isNull();
        assertThat(none.challengerBetter()).isFalse();
        assertThat(none.baselineBetter()).isFalse();
    }

    @Test
    void tiesAndBothBadCountHalf() {
        // challenger 3, baseline 1, tie 1, both bad 1: (3 + 1) / 6
        assertThat(HeadToHead.of(new Tally(1, 3, 1, 1)).winRate()).isCloseTo(4.0 / 6, within(1e-12));
        HeadToHead allTies = HeadToHead.of(new Tally(0, 0, 10, 0));
        assertThat(allTies.winRate()).isEqualTo(0.5);
        assertThat(allTies.lower()).isEqualTo(0.5);
        assertThat(allTies.upper()).isEqualTo(0.5);
        assertThat(allTies.eloDifference()).isCloseTo(0.0, within(1e-9));
    }

    @Test
    void oneSidedResultsHaveADegenerateIntervalAndNoFiniteElo() {
        HeadToHead sweep = HeadToHead.of(new Tally(0, 10, 0, 0));
        assertThat(sweep.winRate()).isEqualTo(1.0);
        assertThat(sweep.lower()).isEqualTo(1.0);
        assertThat(sweep.upper()).isEqualTo(1.0);
        assertThat(sweep.eloDifference()).isNull();
        assertThat(sweep.challengerBetter()).isTrue();
    }

    @Test
    void theBootstrapIntervalMatchesTheNormalApproximationForManyChoices() {
        // 600 challenger wins of 1,000: p = 0.6, standard error sqrt(0.24 / 1000) = 0.0155, 95% half-width 0.0304
        HeadToHead result = HeadToHead.of(new Tally(400, 600, 0, 0));
        assertThat(result.winRate()).isEqualTo(0.6);
        assertThat(result.lower()).isCloseTo(0.6 - 0.0304, within(0.006));
        assertThat(result.upper()).isCloseTo(0.6 + 0.0304, within(0.006));
        assertThat(result.challengerBetter()).isTrue();
        // Bradley-Terry strength gap on the Elo scale: 400 log10(0.6 / 0.4)
        assertThat(result.eloDifference()).isCloseTo(70.44, within(0.01));
        assertThat(HeadToHead.of(new Tally(400, 600, 0, 0))).as("the same choices, the same interval")
                .isEqualTo(result);
    }

    @Test
    void fewChoicesGiveAWideIntervalThatSaysNothingYet() {
        HeadToHead result = HeadToHead.of(new Tally(1, 3, 1, 0)); // 0.7 on five choices
        assertThat(result.winRate()).isCloseTo(0.7, within(1e-12));
        assertThat(result.upper() - result.lower()).isGreaterThan(0.4);
        assertThat(result.challengerBetter()).isFalse();
        assertThat(result.baselineBetter()).isFalse();
        HeadToHead worse = HeadToHead.of(new Tally(80, 20, 0, 0));
        assertThat(worse.baselineBetter()).isTrue();
        assertThat(worse.upper()).isLessThan(0.5);
    }

    @Test
    void percentilesInterpolateBetweenSortedValues() {
        double[] sorted = {0, 1, 2, 3, 4};
        assertThat(HeadToHead.percentile(sorted, 0.5)).isEqualTo(2.0);
        assertThat(HeadToHead.percentile(sorted, 0.125)).isEqualTo(0.5);
        assertThat(HeadToHead.percentile(sorted, 1.0)).isEqualTo(4.0);
    }
}
