package ai.kaizen.trainer.rloo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.kaizen.trainer.online.GroupObjective;
import ai.kaizen.trainer.online.ScoredResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RLOO's leave-one-out advantages against values computed by hand. */
class RlooAdvantageTest {

    @TempDir
    Path tmp;

    @Test
    void eachAnswerIsComparedWithTheMeanOfTheOtherThree() {
        // group 1, 2, 3, 6: A_1 = 1 - (2 + 3 + 6) / 3 = -8/3, A_2 = 2 - 10/3 = -4/3, A_3 = 3 - 9/3 = 0, A_4 = 6 - 2 = 4
        double[] a = RlooObjective.leaveOneOut(new double[] {1, 2, 3, 6}, 4);
        assertThat(a).containsExactly(new double[] {-8.0 / 3, -4.0 / 3, 0, 4}, within(1e-12));
        // the same as k / (k - 1) times the distance from the group's mean (3)
        assertThat(a[3]).isCloseTo(4.0 / 3 * (6 - 3), within(1e-12));
    }

    @Test
    void groupsAreConsecutiveAndIndependent() {
        double[] a = RlooObjective.leaveOneOut(new double[] {1, 2, 3, 6, 5, 5}, 2);
        assertThat(a).containsExactly(new double[] {-1, 1, -3, 3, 0, 0}, within(1e-12));
        assertThatThrownBy(() -> RlooObjective.leaveOneOut(new double[] {1, 2, 3}, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void normalisedAdvantagesDivideByTheBatchStandardDeviation() {
        // A = -8/3, -4/3, 0, 4: mean 0, unbiased std sqrt((64/9 + 16/9 + 0 + 16) / 3) = 2.88033
        double[] n = RlooObjective.normalize(new double[] {-8.0 / 3, -4.0 / 3, 0, 4});
        assertThat(n).containsExactly(new double[] {-0.92578796, -0.46289398, 0, 1.38868194}, within(1e-7));
    }

    @Test
    void theKlToTheReferenceIsSubtractedFromTheRewardBeforeTheBaseline() {
        RlooConfig config = RlooConfig.defaults(tmp).with(o -> {
            o.addProperty("beta", 0.5);
            o.addProperty("num_generations", 4);
            o.addProperty("per_device_train_batch_size", 4);
        });
        // scores 1, 2, 3, 6; the last answer drifted 2 nats from the reference (summed over its tokens): r_4 = 6 - 1
        List<ScoredResponse> group = new ArrayList<>();
        group.add(answer(1, 0));
        group.add(answer(2, 0));
        group.add(answer(3, 0));
        group.add(answer(6, 2));
        GroupObjective.Advantages a = new RlooObjective(config).advantages(group);
        // rewards 1, 2, 3, 5: A = 1 - 10/3, 2 - 3, 3 - 8/3, 5 - 2
        assertThat(a.values()).containsExactly(new float[] {-7f / 3, -1f, 1f / 3, 3f}, within(1e-6f));
        assertThat(a.metrics().get("frac_reward_zero_std").doubleValue()).isZero();
    }

    /** An answer of two tokens whose log-probabilities exceed the reference's by {@code kl} in all. */
    private static ScoredResponse answer(float score, float kl) {
        return new ScoredResponse(new int[] {1}, new int[] {5, 6}, new float[] {-1, -1},
                new float[] {-1 - kl / 2, -1 - kl / 2}, score, score, true);
    }

    @Test
    void optionsUseTrlNamesAndOldNamesAreRefusedWithTheNewOne() {
        RlooConfig d = RlooConfig.defaults(tmp);
        assertThat(RlooConfig.fromJson(d.toJson(), d)).isEqualTo(d);
        assertThat(d.online().numGenerations()).isEqualTo(2);
        assertThat(d.online().beta()).isEqualTo(0.05);
        assertThat(d.promptsPerStep()).isEqualTo(4); // 8 answers per step, 2 per prompt
        com.google.gson.JsonObject old = new com.google.gson.JsonObject();
        old.addProperty("rloo_k", 4);
        assertThatThrownBy(() -> RlooConfig.fromJson(old, d))
                .hasMessage("Unknown RLOO option 'rloo_k': TRL's RLOOConfig now calls it 'num_generations'");
        assertThatThrownBy(() -> d.with(o -> o.addProperty("num_generations", 3)))
                .hasMessageContaining("must be a multiple of num_generations");
        assertThatThrownBy(() -> d.with(o -> o.addProperty("num_generations", 1)))
                .hasMessageContaining("num_generations must be >= 2");
        // 3 epochs of 20 prompts, 4 prompts per step: 15 steps
        assertThat(d.totalSteps(20)).isEqualTo(15);
    }
}
