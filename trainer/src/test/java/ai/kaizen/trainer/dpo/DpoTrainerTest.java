package ai.kaizen.trainer.dpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PlantedPreferences;
import ai.kaizen.trainer.pairwise.PreferenceTestRuns;
import ai.kaizen.trainer.pairwise.TokenizedPair;
import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DpoTrainerTest {

    @TempDir
    Path tmp;

    static List<PreferenceExample> train;
    static List<PreferenceExample> eval;

    @BeforeAll
    static void data() {
        train = PlantedPreferences.pairs(160, 3);
        eval = PlantedPreferences.pairs(32, 4);
    }

    /** Options for a 260K-parameter model: a large learning rate, short runs. */
    static DpoConfig config(Path out, int steps, String... extra) {
        return DpoConfig.fromJson(PreferenceTestRuns.smallRun(2e-3, 5, steps, extra), DpoConfig.defaults(out));
    }

    @Test
    void raisesTheChosenOverRejectedMarginOnHeldOutPairsAndSavesAModelThatGenerates() throws Exception {
        Path out = tmp.resolve("dpo");
        DpoConfig config = config(out, 12, "eval_steps", "6");
        PairwiseResult result;
        Map<String, Double> before;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                DpoTrainer trainer = new DpoTrainer(config, lm)) {
            List<TokenizedPair> evalSet = trainer.tokenize(eval);
            trainer.prepare(List.of(), evalSet);
            before = trainer.evaluate(evalSet);
            result = trainer.train(train, eval, TrainingListener.NONE);
        }
        Map<String, Double> after = result.evalMetrics();
        System.out.printf("DPO: eval_rewards/margins %.3f -> %.3f, accuracies %.3f -> %.3f, eval_loss %.3f -> %.3f,"
                + " %.1f pairs/s, %.0f tokens/s%n", before.get("rewards/margins"), after.get("eval_rewards/margins"),
                before.get("rewards/accuracies"), after.get("eval_rewards/accuracies"), before.get("loss"),
                after.get("eval_loss"), result.pairsPerSecond(), result.tokensPerSecond());
        // at the start the policy is the reference: every implicit reward is 0 and the loss log 2
        assertThat(before.get("rewards/margins")).isZero();
        assertThat(before.get("loss")).isCloseTo(Math.log(2), org.assertj.core.api.Assertions.within(1e-6));
        assertThat(after.get("eval_rewards/margins")).isGreaterThan(1.0);
        assertThat(after.get("eval_rewards/accuracies")).isGreaterThanOrEqualTo(0.9);
        assertThat(after.get("eval_loss")).isLessThan(0.4);
        assertThat(after.get("eval_rewards/chosen")).isGreaterThan(after.get("eval_rewards/rejected"));

        List<JsonObject> lines = TestData.metrics(out);
        assertThat(lines.get(0).keySet()).contains("loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies",
                "rewards/margins", "logps/chosen", "logps/rejected", "grad_norm", "learning_rate", "step");
        assertThat(lines.stream().filter(l -> l.has("eval_rewards/margins")).map(l -> l.get("step").getAsInt()))
                .containsExactly(6, 12);
        assertThat(out.resolve(DpoTrainer.CONFIG_FILE)).exists();
        assertThat(out.resolve(DpoTrainer.EVAL_RESULTS_FILE)).exists();
        PreferenceTestRuns.assertSavedAPolicyThatGenerates(out);
    }

    @Test
    void aRunStoppedAndResumedEndsWithTheWeightsOfAnUninterruptedRun() throws Exception {
        List<PreferenceExample> data = train.subList(0, 24);
        PreferenceTestRuns.assertResumesToTheUninterruptedWeights("DPO", tmp, DpoTrainerTest::config,
                c -> c.with(o -> o.addProperty("resume", true)), PreferenceTestRuns.onStories260k(DpoTrainer::new,
                        (trainer, listener) -> trainer.train(data, List.of(), listener),
                        (trainer, lm) -> lm.network().parameters()));
    }

    @Test
    void loraWithIpoTrainsOnlyTheAdaptersAndSavesMergedAndPeftOutputs() throws Exception {
        Path out = tmp.resolve("lora");
        DpoConfig config = config(out, 3, "use_peft", "true", "lora_r", "4", "lora_alpha", "8", "loss_type",
                "\"ipo\"");
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k())) {
            Map<String, float[]> base = TestData.snapshot(lm.network().parameters());
            try (DpoTrainer trainer = new DpoTrainer(config, lm)) {
                PairwiseResult result = trainer.train(train.subList(0, 24), eval.subList(0, 8), TrainingListener.NONE);
                assertThat(result.evalMetrics().get("eval_loss")).isFinite();
                assertThat(TestData.maxAbsDiff(base, TestData.snapshot(lm.network().parameters()))).isZero();
            }
        }
        PreferenceTestRuns.assertSavedPeftAndMergedOutputs(out);
    }

    @Test
    void readsTrlNamesAndRejectsBadValues() {
        DpoConfig c = config(tmp, 5, "beta", "0.2", "label_smoothing", "0.1", "max_prompt_length", "16");
        assertThat(c.beta()).isEqualTo(0.2);
        assertThat(c.labelSmoothing()).isEqualTo(0.1);
        assertThat(c.maxPromptLength()).isEqualTo(16);
        assertThat(DpoConfig.defaults(tmp).beta()).isEqualTo(0.1);
        assertThat(DpoConfig.defaults(tmp).lossType()).isEqualTo(DpoConfig.LossType.SIGMOID);
        assertThat(DpoConfig.fromJson(c.toJson(), DpoConfig.defaults(tmp.resolve("x")))).isEqualTo(c);
        assertThatThrownBy(() -> config(tmp, 5, "loss_type", "\"hinge\"")).hasMessageContaining("loss_type");
        assertThatThrownBy(() -> config(tmp, 5, "bta", "0.1")).hasMessage("Unknown DPO option 'bta'");
    }
}
