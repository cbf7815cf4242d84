package ai.kaizen.trainer.grpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.kaizen.trainer.online.PolicyBatch;
import ai.kaizen.trainer.online.ScoredResponse;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GRPO's group-normalised advantages and its loss normalisations against values computed by hand. */
class GrpoAdvantageTest {

    @TempDir
    Path tmp;

    @Test
    void advantagesAreTheDistanceFromTheGroupMeanInGroupStandardDeviations() {
        // group 1, 2, 3, 6: mean 3, unbiased std sqrt((4 + 1 + 0 + 9) / 3) = 2.1602469; divided by std + 1e-4
        double[] a = GrpoObjective.advantages(new double[] {1, 2, 3, 6}, 4, GrpoConfig.ScaleRewards.GROUP);
        assertThat(a).containsExactly(new double[] {-0.92577724, -0.46288862, 0, 1.38866587}, within(1e-7));
    }

    @Test
    void withoutScalingTheyAreTheDistanceFromTheGroupMean() {
        double[] a = GrpoObjective.advantages(new double[] {1, 2, 3, 6}, 4, GrpoConfig.ScaleRewards.NONE);
        assertThat(a).containsExactly(new double[] {-2, -1, 0, 3}, within(1e-12));
    }

    @Test
    void batchScalingDividesByTheWholeBatchStandardDeviation() {
        // groups 1, 2, 3, 6 and 0, 0, 0, 0: batch mean 1.5, unbiased std 2.1380899; the second group learns nothing
        double[] a = GrpoObjective.advantages(new double[] {1, 2, 3, 6, 0, 0, 0, 0}, 4, GrpoConfig.ScaleRewards.BATCH);
        assertThat(a).containsExactly(new double[] {-0.93537060, -0.46768530, 0, 1.40305590, 0, 0, 0, 0},
                within(1e-7));
        // a group whose answers all score the same has advantage 0, not 0/0
        double[] same = GrpoObjective.advantages(new double[] {2, 2}, 2, GrpoConfig.ScaleRewards.GROUP);
        assertThat(same).containsExactly(0, 0);
    }

    /**
     * Two answers of 2 and 4 tokens with advantages 1 and 0.5, unchanged policy (ratio 1), no KL: the per-token
     * losses are -1, -1 and -0.5 x 4, summing to -4 over 6 tokens.
     */
    @Test
    void theLossTypesNormaliseAsTheirPapersSay() {
        assertThat(loss("grpo", 1, 6)).isCloseTo((-1 + -0.5) / 2, within(1e-6)); // per-answer means, then mean
        assertThat(loss("bnpo", 1, 6)).isCloseTo(-4.0 / 6, within(1e-6)); // over the micro-batch's tokens
        // Dr. GRPO: the constant answers x max_completion_length (2 x 8), whatever the lengths
        assertThat(loss("dr_grpo", 1, 6)).isCloseTo(-4.0 / 16, within(1e-6));
        // DAPO: the tokens of the whole optimizer step (this micro-batch's 6 and another's 6)
        assertThat(loss("dapo", 2, 12)).isCloseTo(-4.0 / 12, within(1e-6));
        // with two micro-batches per step, the others take half each
        assertThat(loss("dr_grpo", 2, 12)).isCloseTo(-4.0 / 16 / 2, within(1e-6));
        assertThat(loss("grpo", 2, 12)).isCloseTo(-0.75 / 2, within(1e-6));
    }

    @Test
    void theKlToTheReferenceIsAddedPerTokenWithBeta() {
        // the first answer's first token is 1 nat likelier than under the reference: k3 = e^-1 + 1 - 1 = 0.36788
        GrpoConfig config = config("bnpo", 0.1);
        try (NDManager m = NDManager.newBaseManager()) {
            List<ScoredResponse> answers = List.of(
                    new ScoredResponse(new int[] {1}, new int[] {5, 6}, new float[] {-1, -1}, new float[] {-2, -1}, 0,
                            0, true),
                    new ScoredResponse(new int[] {1}, new int[] {5, 6, 7, 8}, new float[] {-1, -1, -1, -1},
                            new float[] {-1, -1, -1, -1}, 0, 0, true));
            PolicyBatch batch = PolicyBatch.of(answers, new float[] {1, 0.5f}, m, 6, 1);
            double loss = new GrpoObjective(config).loss(batch, batch.oldLogprobs()).loss().getFloat();
            assertThat(loss).isCloseTo((-4 + 0.1 * Math.exp(-1)) / 6, within(1e-6));
        }
    }

    private double loss(String lossType, int accumulation, double stepTokens) {
        GrpoConfig config = config(lossType, 0);
        try (NDManager m = NDManager.newBaseManager()) {
            List<ScoredResponse> answers = List.of(
                    new ScoredResponse(new int[] {1, 2}, new int[] {5, 6}, new float[] {-1, -2}, new float[] {-1, -2},
                            0, 0, true),
                    new ScoredResponse(new int[] {1}, new int[] {5, 6, 7, 8}, new float[] {-1, -1, -3, -1},
                            new float[] {-1, -1, -3, -1}, 0, 0, true));
            PolicyBatch batch = PolicyBatch.of(answers, new float[] {1, 0.5f}, m, stepTokens, accumulation);
            // the policy as at sampling time: every ratio is 1 and the per-token loss is -A
            return new GrpoObjective(config).loss(batch, batch.oldLogprobs()).loss().getFloat();
        }
    }

    private GrpoConfig config(String lossType, double beta) {
        return GrpoConfig.defaults(tmp).with(o -> {
            o.addProperty("loss_type", lossType);
            o.addProperty("beta", beta);
            o.addProperty("max_completion_length", 8);
            o.addProperty("num_generations", 2);
        });
    }

    @Test
    void optionsUseTrlNames() {
        GrpoConfig d = GrpoConfig.defaults(tmp);
        assertThat(GrpoConfig.fromJson(d.toJson(), d)).isEqualTo(d);
        assertThat(d.lossType()).isEqualTo(GrpoConfig.LossType.DAPO);
        assertThat(d.scaleRewards()).isEqualTo(GrpoConfig.ScaleRewards.GROUP);
        assertThat(d.online().beta()).isEqualTo(0.04);
        assertThat(d.online().upperEpsilon()).isEqualTo(0.2);
        JsonObject o = new JsonObject();
        o.addProperty("scale_rewards", false); // TRL's older boolean form
        o.addProperty("epsilon_high", 0.28);
        GrpoConfig drGrpo = GrpoConfig.fromJson(o, d);
        assertThat(drGrpo.scaleRewards()).isEqualTo(GrpoConfig.ScaleRewards.NONE);
        assertThat(drGrpo.online().upperEpsilon()).isEqualTo(0.28);
        JsonObject bad = new JsonObject();
        bad.addProperty("loss_type", "sapo");
        assertThatThrownBy(() -> GrpoConfig.fromJson(bad, d)).hasMessageContaining("loss_type must be one of");
        JsonObject ppoName = new JsonObject();
        ppoName.addProperty("kl_coef", 0.1);
        assertThatThrownBy(() -> GrpoConfig.fromJson(ppoName, d))
                .hasMessage("Unknown GRPO option 'kl_coef': TRL's GRPOConfig calls it 'beta'");
    }
}
