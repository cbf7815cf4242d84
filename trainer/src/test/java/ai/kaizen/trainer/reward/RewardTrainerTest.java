package ai.kaizen.trainer.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.head.ScalarHead;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PlantedPreferences;
import ai.kaizen.trainer.pairwise.PreferenceTestRuns;
import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.trainer.training.ModelOutput;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardTrainerTest {

    @TempDir
    Path tmp;

    static List<PreferenceExample> train;
    static List<PreferenceExample> eval;

    @BeforeAll
    static void data() {
        train = PlantedPreferences.pairs(160, 1);
        eval = PlantedPreferences.pairs(48, 2);
    }

    /** Options for a 260K-parameter model: a large learning rate, short runs. */
    static RewardConfig config(Path out, int steps, String... extra) {
        return RewardConfig.fromJson(PreferenceTestRuns.smallRun(3e-3, 5, steps, extra), RewardConfig.defaults(out));
    }

    @Test
    void learnsAPlantedPreferenceToHighHeldOutAccuracyAndSavesAModelThatReloads() throws Exception {
        Path out = tmp.resolve("rm");
        RewardConfig config = config(out, 20, "eval_steps", "10");
        PairwiseResult result;
        double before;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                RewardTrainer trainer = new RewardTrainer(config, lm)) {
            before = trainer.evaluate(trainer.tokenize(eval)).get("accuracy");
            result = trainer.train(train, eval, TrainingListener.NONE);
        }
        System.out.printf("reward model: eval_accuracy %.3f -> %.3f, eval_mean_margin %.3f, %.1f pairs/s, "
                + "%.0f tokens/s, %.0f tokens per pair%n", before, result.evalMetrics().get("eval_accuracy"),
                result.evalMetrics().get("eval_mean_margin"), result.pairsPerSecond(), result.tokensPerSecond(),
                result.tokensPerSecond() / result.pairsPerSecond());
        assertThat(result.globalStep()).isEqualTo(20);
        assertThat(result.evalMetrics().get("eval_accuracy")).isGreaterThanOrEqualTo(0.9);
        assertThat(result.evalMetrics().get("eval_mean_margin")).isGreaterThan(1.0);
        assertThat(result.evalMetrics().get("eval_loss")).isLessThan(0.3);
        List<JsonObject> lines = TestData.metrics(out);
        assertThat(lines.stream().filter(l -> l.has("eval_accuracy")).map(l -> l.get("step").getAsInt()))
                .containsExactly(10, 20);
        assertThat(lines.get(0).keySet()).contains("loss", "accuracy", "mean_margin", "grad_norm", "learning_rate",
                "train_pairs_per_second", "step", "epoch");
        assertThat(Json.readObject(out.resolve(RewardTrainer.EVAL_RESULTS_FILE)).get("eval_accuracy").getAsDouble())
                .isEqualTo(result.evalMetrics().get("eval_accuracy"));

        try (RewardModel rm = RewardModel.load(out)) {
            List<List<ChatMessage>> conversations = new ArrayList<>();
            for (PreferenceExample e : eval) {
                conversations.add(conversation(e, e.chosen()));
            }
            for (PreferenceExample e : eval) {
                conversations.add(conversation(e, e.rejected()));
            }
            List<RewardModel.Reward> rewards = rm.score(conversations);
            int correct = 0;
            double normalizedSum = 0;
            for (int i = 0; i < eval.size(); i++) {
                correct += rewards.get(i).raw() > rewards.get(eval.size() + i).raw() ? 1 : 0;
            }
            for (RewardModel.Reward r : rewards) {
                assertThat(r.normalized()).isCloseTo(rm.stats().normalize(r.raw()), within(1e-9));
                normalizedSum += r.normalized();
            }
            int[] ids = rm.languageModel().tokenizer().encodeChat(conversations.get(0), false);
            assertThat(rm.scoreIds(List.of(ids)).get(0).raw()).isCloseTo(rewards.get(0).raw(), within(1e-5));
            // the reloaded model judges the held-out pairs as the trainer's last evaluation did
            assertThat((double) correct / eval.size()).isCloseTo(result.evalMetrics().get("eval_accuracy"),
                    within(1e-9));
            assertThat(rm.stats().std()).isGreaterThan(0.5);
            // normalised with training-set statistics: held-out rewards come out near mean 0
            assertThat(normalizedSum / rewards.size()).isBetween(-0.5, 0.5);
        }
        try (LanguageModel backbone = LanguageModel.load(out)) {
            assertThat(backbone.network().config().hiddenSize()).isEqualTo(64);
        }
    }

    static List<ChatMessage> conversation(PreferenceExample e, String answer) {
        List<ChatMessage> c = new ArrayList<>(e.prompt());
        c.add(ChatMessage.assistant(answer));
        return c;
    }

    @Test
    void aLoraRunStoppedAndResumedEndsWithTheWeightsOfAnUninterruptedRun() throws Exception {
        String[] lora = {"use_peft", "true", "lora_r", "4", "lora_alpha", "8",
            "lora_target_modules", "[\"q_proj\",\"v_proj\",\"down_proj\"]"};
        Path out = PreferenceTestRuns.assertResumesToTheUninterruptedWeights("reward model", tmp,
                RewardTrainerTest::config, c -> c.with(o -> o.addProperty("resume", true)),
                PreferenceTestRuns.onStories260k(RewardTrainer::new,
                        (trainer, listener) -> trainer.train(train.subList(0, 24), List.of(), listener),
                        (trainer, lm) -> trainer.trainable()), lora);
        // the checkpoint the run resumed from holds the head (kept: two checkpoints are)
        assertThat(out.resolve("checkpoint-3").resolve(ScalarHead.FILE)).exists();
        assertThat(out.resolve("adapter_model.safetensors")).exists(); // PEFT layout: the adapters at the top
        assertThat(out.resolve(ModelOutput.MERGED_DIR).resolve("config.json")).exists();
        try (RewardModel rm = RewardModel.load(out)) {
            assertThat(rm.score(List.of(conversation(train.get(0), train.get(0).chosen())))).hasSize(1);
        }
    }

    @Test
    void readsTrlNamesAndRejectsUnknownOnes() {
        RewardConfig c = config(tmp, 5, "center_rewards_coefficient", "0.01", "use_peft", "true", "lora_r", "8");
        assertThat(c.centerRewardsCoefficient()).isEqualTo(0.01);
        assertThat(c.args().lora().rank()).isEqualTo(8);
        assertThat(c.args().maxSteps()).isEqualTo(5);
        assertThat(RewardConfig.fromJson(c.toJson(), RewardConfig.defaults(tmp.resolve("x")))).isEqualTo(c);
        assertThatThrownBy(() -> config(tmp, 5, "learning_rat", "0.1"))
                .hasMessage("Unknown reward model option 'learning_rat'");
        assertThatThrownBy(() -> config(tmp, 5, "center_rewards_coefficient", "-1"))
                .hasMessageContaining("center_rewards_coefficient");
    }
}
