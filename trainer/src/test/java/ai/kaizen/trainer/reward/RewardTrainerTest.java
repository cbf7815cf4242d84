package ai.kaizen.trainer.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.head.ScalarHead;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PlantedPreferences;
import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.trainer.training.Checkpoints;
import ai.kaizen.trainer.training.ModelOutput;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
        JsonObject o = new JsonObject();
        o.addProperty("learning_rate", 3e-3);
        o.addProperty("warmup_steps", 2);
        o.addProperty("max_steps", steps);
        o.addProperty("max_length", 128);
        o.addProperty("logging_steps", 5);
        o.addProperty("eval_steps", 0);
        o.addProperty("seed", 7);
        for (int i = 0; i < extra.length; i += 2) {
            o.add(extra[i], JsonParser.parseString(extra[i + 1]));
        }
        return RewardConfig.fromJson(o, RewardConfig.defaults(out));
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
        List<JsonObject> lines = Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
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
            "lora_target_modules", "[\"q_proj\",\"v_proj\",\"down_proj\"]", "gradient_accumulation_steps", "2",
            "per_device_train_batch_size", "2", "save_steps", "3"};
        Map<String, float[]> straight;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                RewardTrainer trainer = new RewardTrainer(config(tmp.resolve("straight"), 6, lora), lm)) {
            trainer.train(train.subList(0, 24), List.of(), TrainingListener.NONE);
            straight = TestData.snapshot(trainable(trainer));
        }
        Path out = tmp.resolve("resumed");
        RewardConfig config = config(out, 6, lora);
        AtomicInteger steps = new AtomicInteger();
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                RewardTrainer trainer = new RewardTrainer(config, lm)) {
            PairwiseResult first = trainer.train(train.subList(0, 24), List.of(), new TrainingListener() {
                @Override
                public boolean shouldStop() {
                    return steps.incrementAndGet() >= 4; // killed one step after the checkpoint of step 3
                }
            });
            assertThat(first.globalStep()).isEqualTo(4);
        }
        assertThat(Checkpoints.latest(out)).contains(out.resolve("checkpoint-3"));
        assertThat(out.resolve("checkpoint-3").resolve(ScalarHead.FILE)).exists();
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                RewardTrainer trainer = new RewardTrainer(config.with(o -> o.addProperty("resume", true)), lm)) {
            PairwiseResult resumed = trainer.train(train.subList(0, 24), List.of(), TrainingListener.NONE);
            assertThat(resumed.resumedFrom()).isEqualTo(out.resolve("checkpoint-3"));
            assertThat(resumed.globalStep()).isEqualTo(6);
            double diff = TestData.maxAbsDiff(straight, TestData.snapshot(trainable(trainer)));
            System.out.println("reward model resume: max abs weight difference " + diff);
            assertThat(diff).isLessThan(1e-6);
        }
        assertThat(out.resolve("adapter_model.safetensors")).exists(); // PEFT layout: the adapters at the top
        assertThat(out.resolve(ModelOutput.MERGED_DIR).resolve("config.json")).exists();
        try (RewardModel rm = RewardModel.load(out)) {
            assertThat(rm.score(List.of(conversation(train.get(0), train.get(0).chosen())))).hasSize(1);
        }
    }

    private static List<Pair<String, Parameter>> trainable(RewardTrainer trainer) {
        return trainer.trainable();
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
