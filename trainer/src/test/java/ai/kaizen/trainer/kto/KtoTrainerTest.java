package ai.kaizen.trainer.kto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PlantedPreferences;
import ai.kaizen.trainer.pairwise.PreferenceTestRuns;
import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KtoTrainerTest {

    @TempDir
    Path tmp;

    static List<ThumbsExample> train;
    static List<ThumbsExample> eval;

    @BeforeAll
    static void data() {
        train = thumbs(160, 3);
        eval = thumbs(32, 4);
    }

    /**
     * Unpaired answers with the planted rule of {@link PlantedPreferences} (an answer that thanks
     * the customer is good): each pair gives one answer, its chosen one or its rejected one in turn,
     * so no prompt has both.
     */
    static List<ThumbsExample> thumbs(int count, long seed) {
        List<ThumbsExample> out = new ArrayList<>();
        List<PreferenceExample> pairs = PlantedPreferences.pairs(count, seed);
        for (int i = 0; i < pairs.size(); i++) {
            PreferenceExample p = pairs.get(i);
            boolean good = i % 2 == 0;
            out.add(new ThumbsExample(p.prompt(), good ? p.chosen() : p.rejected(), good, p.provenance()));
        }
        return out;
    }

    /** Options for a 260K-parameter model: a large learning rate, short runs. */
    static KtoConfig config(Path out, int steps, String... extra) {
        return KtoConfig.fromJson(PreferenceTestRuns.smallRun(2e-3, 3, steps, extra), KtoConfig.defaults(out));
    }

    @Test
    void raisesDesirableAnswersAndLowersUndesirableOnesRelativeToTheReference() throws Exception {
        Path out = tmp.resolve("kto");
        KtoConfig config = config(out, 12, "eval_steps", "6");
        PairwiseResult result;
        Map<String, Double> before;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                KtoTrainer trainer = new KtoTrainer(config, lm)) {
            List<TokenizedCompletion> evalSet = trainer.tokenize(eval);
            trainer.prepare(List.of(), evalSet);
            before = trainer.evaluate(evalSet);
            result = trainer.train(train, eval, TrainingListener.NONE);
        }
        Map<String, Double> after = result.evalMetrics();
        System.out.printf("KTO: eval_rewards/chosen %.3f, rejected %.3f, margins %.3f, kl %.3f, eval_loss %.3f -> %.3f,"
                + " %.1f samples/s, %.0f tokens/s%n", after.get("eval_rewards/chosen"),
                after.get("eval_rewards/rejected"), after.get("eval_rewards/margins"), after.get("eval_kl"),
                before.get("loss"), after.get("eval_loss"), result.pairsPerSecond(), result.tokensPerSecond());
        // at the start the policy is the reference: every log-ratio and z0 is 0, every loss 1 - s(0) = 0.5
        assertThat(before.get("rewards/chosen")).isZero();
        assertThat(before.get("rewards/rejected")).isZero();
        assertThat(before.get("kl")).isZero();
        assertThat(before.get("loss")).isCloseTo(0.5, within(1e-6));
        assertThat(after.get("eval_rewards/chosen")).isPositive();
        assertThat(after.get("eval_rewards/rejected")).isNegative();
        assertThat(after.get("eval_rewards/margins")).isGreaterThan(1.0);
        assertThat(after.get("eval_loss")).isLessThan(0.4);

        List<JsonObject> lines = TestData.metrics(out);
        assertThat(lines.get(0).keySet()).contains("loss", "rewards/chosen", "rewards/rejected", "rewards/margins",
                "logps/chosen", "logps/rejected", "kl", "grad_norm", "learning_rate", "train_samples_per_second",
                "step").doesNotContain("count/chosen", "rewards/chosen_sum");
        // z0 is a clamped mean: never negative
        assertThat(lines.stream().filter(l -> l.has("kl")).map(l -> l.get("kl").getAsDouble()))
                .allMatch(kl -> kl >= 0);
        assertThat(lines.stream().filter(l -> l.has("eval_rewards/margins")).map(l -> l.get("step").getAsInt()))
                .containsExactly(6, 12);
        assertThat(out.resolve(KtoTrainer.CONFIG_FILE)).exists();
        assertThat(out.resolve(KtoTrainer.EVAL_RESULTS_FILE)).exists();
        PreferenceTestRuns.assertSavedAPolicyThatGenerates(out);
    }

    @Test
    void aRunStoppedAndResumedEndsWithTheWeightsOfAnUninterruptedRun() throws Exception {
        List<ThumbsExample> data = train.subList(0, 24);
        PreferenceTestRuns.assertResumesToTheUninterruptedWeights("KTO", tmp, KtoTrainerTest::config,
                c -> c.with(o -> o.addProperty("resume", true)), PreferenceTestRuns.onStories260k(KtoTrainer::new,
                        (trainer, listener) -> trainer.train(data, List.of(), listener),
                        (trainer, lm) -> lm.network().parameters()));
    }

    @Test
    void loraWithApoZeroTrainsOnlyTheAdaptersAndSavesMergedAndPeftOutputs() throws Exception {
        Path out = tmp.resolve("lora");
        KtoConfig config = config(out, 3, "use_peft", "true", "lora_r", "4", "lora_alpha", "8", "loss_type",
                "\"apo_zero_unpaired\"", "per_device_train_batch_size", "4");
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k())) {
            Map<String, float[]> base = TestData.snapshot(lm.network().parameters());
            try (KtoTrainer trainer = new KtoTrainer(config, lm)) {
                PairwiseResult result = trainer.train(train.subList(0, 24), eval.subList(0, 8), TrainingListener.NONE);
                assertThat(result.evalMetrics().get("eval_loss")).isFinite();
                assertThat(result.evalMetrics().get("eval_kl")).isZero(); // apo_zero_unpaired has no reference point
                assertThat(TestData.maxAbsDiff(base, TestData.snapshot(lm.network().parameters()))).isZero();
            }
        }
        PreferenceTestRuns.assertSavedPeftAndMergedOutputs(out);
    }

    @Test
    void readsTrlNamesAndRejectsBadValues() {
        KtoConfig c = config(tmp, 5, "beta", "0.2", "desirable_weight", "1.33", "undesirable_weight", "0.5",
                "max_prompt_length", "16");
        assertThat(c.beta()).isEqualTo(0.2);
        assertThat(c.desirableWeight()).isEqualTo(1.33);
        assertThat(c.undesirableWeight()).isEqualTo(0.5);
        assertThat(c.maxPromptLength()).isEqualTo(16);
        KtoConfig defaults = KtoConfig.defaults(tmp);
        assertThat(defaults.beta()).isEqualTo(0.1);
        assertThat(defaults.desirableWeight()).isEqualTo(1.0);
        assertThat(defaults.undesirableWeight()).isEqualTo(1.0);
        assertThat(defaults.lossType()).isEqualTo(KtoConfig.LossType.KTO);
        assertThat(defaults.args().learningRate()).isEqualTo(1e-6);
        assertThat(KtoConfig.fromJson(c.toJson(), KtoConfig.defaults(tmp.resolve("x")))).isEqualTo(c);
        assertThatThrownBy(() -> config(tmp, 5, "loss_type", "\"sigmoid\"")).hasMessageContaining("loss_type");
        assertThatThrownBy(() -> config(tmp, 5, "desirable_weight", "0")).hasMessageContaining("desirable_weight");
        assertThatThrownBy(() -> config(tmp, 5, "per_device_train_batch_size", "1"))
                .hasMessageContaining("per_device_train_batch_size");
        assertThatThrownBy(() -> config(tmp, 5, "bta", "0.1")).hasMessage("Unknown KTO option 'bta'");
    }
}
