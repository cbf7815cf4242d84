package ai.kaizen.trainer.cycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class IntervalTest {

    /**
     * Against Wilson's formula worked by hand: centre (p + z²/2n) / (1 + z²/n), half-width z / (1 + z²/n) *
     * sqrt(p(1-p)/n + z²/4n²), z = 1.96. For 8 of 10: z²/n = 0.38415, centre (0.8 + 0.19207) / 1.38415 = 0.71674,
     * half-width 1.96 / 1.38415 * sqrt(0.016 + 0.0096) = 0.22656, so [0.4902, 0.9433]. For 32 of 64 (the issue's
     * reward model at chance): centre 0.5, half-width 1.96 / 1.06002 * sqrt(0.00390625 + 0.00023447) = 0.1190.
     */
    @Test
    void wilsonIntervalsMatchHandComputedValues() {
        assertInterval(Interval.wilson(8, 10), 0.4902, 0.9433);
        assertInterval(Interval.wilson(0, 10), 0.0, 0.2775);
        assertInterval(Interval.wilson(10, 10), 0.7225, 1.0);
        assertInterval(Interval.wilson(32, 64), 0.3810, 0.6190);
        assertInterval(Interval.wilson(15, 30), 0.3315, 0.6685);
        assertInterval(Interval.wilson(1, 2), 0.0945, 0.9055);
        assertInterval(Interval.wilson(0, 0), 0.0, 1.0);
        assertThat(Interval.wilson(32, 64)).hasToString("[0.38, 0.62]");
    }

    /** Hanley and McNeil's standard error for AUC 0.8 on 20 positives and 30 negatives is 0.0673. */
    @Test
    void aucIntervalsFollowHanleyAndMcNeil() {
        assertInterval(Interval.auc(0.8, 20, 30), 0.6678, 0.9322);
        assertInterval(Interval.auc(0.5, 0, 30), 0.0, 1.0);
    }

    @Test
    void theBootstrapIntervalOfAMeanDifferenceCoversItAndIsRepeatable() {
        double[] differences = {0.10, 0.30, 0.20, 0.25, 0.15, 0.35, 0.05, 0.20, 0.30, 0.10};
        double[] weights = new double[differences.length];
        java.util.Arrays.fill(weights, 1);
        Interval interval = Interval.bootstrapMean(differences, weights, 42);
        assertThat(interval.low()).isGreaterThan(0.1).isLessThan(0.2);
        assertThat(interval.high()).isGreaterThan(0.2).isLessThan(0.3);
        assertThat(Interval.bootstrapMean(differences, weights, 42)).isEqualTo(interval);
        assertThat(Interval.bootstrapMean(new double[] {2, 2, 2}, new double[] {1, 5, 9}, 1))
                .isEqualTo(new Interval(2, 2));
        assertThat(Interval.bootstrapMean(new double[0], new double[0], 1)).isNull();
    }

    private static void assertInterval(Interval actual, double low, double high) {
        assertThat(actual.low()).as("low of " + actual).isCloseTo(low, within(5e-5));
        assertThat(actual.high()).as("high of " + actual).isCloseTo(high, within(5e-5));
    }
}
