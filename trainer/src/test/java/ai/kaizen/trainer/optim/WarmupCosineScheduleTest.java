package ai.kaizen.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WarmupCosineScheduleTest {

    @Test
    void warmsUpLinearlyThenFollowsHalfACosineToZero() {
        WarmupCosineSchedule s = new WarmupCosineSchedule(1e-3, 4, 14);
        // the values of transformers' get_cosine_schedule_with_warmup(opt, 4, 14) times 1e-3
        assertThat(s.learningRate(0)).isEqualTo(0.0);
        assertThat(s.learningRate(1)).isCloseTo(2.5e-4, within(1e-12));
        assertThat(s.learningRate(2)).isCloseTo(5e-4, within(1e-12));
        assertThat(s.learningRate(4)).isCloseTo(1e-3, within(1e-12));
        assertThat(s.learningRate(9)).isCloseTo(5e-4, within(1e-12)); // halfway through the decay
        assertThat(s.learningRate(6)).isCloseTo(1e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.2)), within(1e-12));
        assertThat(s.learningRate(14)).isCloseTo(0.0, within(1e-12));
        assertThat(s.learningRate(20)).isEqualTo(0.0);
    }

    @Test
    void withoutWarmupStartsAtThePeak() {
        WarmupCosineSchedule s = new WarmupCosineSchedule(2e-5, 0, 10);
        assertThat(s.learningRate(0)).isEqualTo(2e-5);
        for (int i = 1; i <= 10; i++) {
            assertThat(s.learningRate(i)).isLessThan(s.learningRate(i - 1));
        }
    }
}
