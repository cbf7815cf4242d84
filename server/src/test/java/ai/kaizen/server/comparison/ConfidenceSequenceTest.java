package ai.kaizen.server.comparison;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ConfidenceSequenceTest {

    @Test
    void theRadiusIsTheNormalMixtureBoundaryOverN() {
        ConfidenceSequence cs = new ConfidenceSequence(0.05, 6.0);
        // sqrt((200/4 + 6) ln((200/4 + 6) / (6 * 0.05^2))) / 200
        double expected = Math.sqrt(56 * Math.log(56 / (6 * 0.0025))) / 200;
        assertThat(cs.radius(200)).isCloseTo(expected, within(1e-12));
        assertThat(cs.radius(2000)).isLessThan(cs.radius(200)).isGreaterThan(0);
    }

    @Test
    void itIsNarrowestWhereItWasTunedAndWiderThanAFixedSampleInterval() {
        ConfidenceSequence tuned = ConfidenceSequence.tightestAt(194, 0.05);
        double r = tuned.radius(194);
        assertThat(r).isCloseTo(0.109, within(0.001));
        for (double factor : new double[]{0.5, 0.8, 1.25, 2}) {
            assertThat(new ConfidenceSequence(0.05, tuned.rho() * factor).radius(194)).isGreaterThan(r);
        }
        // the price of validity at every n: a fixed-sample 95% interval is 1.96 * 0.5 / sqrt(194) = 0.070
        assertThat(r).isGreaterThan(1.96 * 0.5 / Math.sqrt(194));
    }

    @Test
    void intervalsStayWithinZeroAndOne() {
        ConfidenceSequence cs = ConfidenceSequence.tightestAt(100, 0.05);
        ConfidenceSequence.Interval high = cs.around(0.98, 50);
        assertThat(high.upper()).isEqualTo(1.0);
        assertThat(high.contains(0.98)).isTrue();
        assertThat(cs.around(0.01, 50).lower()).isEqualTo(0.0);
        assertThatThrownBy(() -> new ConfidenceSequence(0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
