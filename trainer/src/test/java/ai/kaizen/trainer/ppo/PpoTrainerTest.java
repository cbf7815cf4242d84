package ai.kaizen.trainer.ppo;

import static ai.kaizen.trainer.online.OnlineTestModels.EVAL;
import static ai.kaizen.trainer.online.OnlineTestModels.TRAIN;
import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.head.ScalarHead;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.trainer.online.EvalBaseline;
import ai.kaizen.trainer.online.LengthReward;
import ai.kaizen.trainer.online.OnlineTestModels;
import ai.kaizen.trainer.online.Reward;
import ai.kaizen.trainer.online.TokenCountReward;
import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.trainer.training.Checkpoints;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PPO on stories260K with programmatic rewards: tiny settings, a few seconds each. */
class PpoTrainerTest {

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    static Path policyDir;
    static Path rewardDir;

    /** The token the reward counts. */
    static int rewardedToken;

    @BeforeAll
    static void models() throws Exception {
        policyDir = OnlineTestModels.policyDir();
        // a "reward model" directory: the same backbone with a fresh scalar head (initialises the critic)
        rewardDir = shared.resolve("reward");
        Files.createDirectories(rewardDir);
        try (Stream<Path> files = Files.list(policyDir)) {
            for (Path f : files.toList()) {
                Files.copy(f, rewardDir.resolve(f.getFileName()));
            }
        }
        try (LlamaModel backbone = LlamaModel.load(policyDir, ModelOptions.DEFAULT);
                ScalarHead head = ScalarHead.create(backbone, 3)) {
            head.save(rewardDir);
        }
        rewardedToken = OnlineTestModels.rewardedToken();
    }

    /** Large steps for a 260K-parameter model, 8 episodes per iteration in 2 minibatches of 2 x 2. */
    static PpoConfig config(Path out, int steps) {
        JsonObject o = new JsonObject();
        o.addProperty("learning_rate", 2e-4);
        o.addProperty("max_prompt_length", 64);
        o.addProperty("max_steps", steps);
        o.addProperty("per_device_train_batch_size", 2);
        o.addProperty("gradient_accumulation_steps", 2);
        o.addProperty("num_mini_batches", 2);
        o.addProperty("num_ppo_epochs", 2);
        o.addProperty("response_length", 16);
        o.addProperty("temperature", 1.0);
        o.addProperty("kl_coef", 0.02);
        o.addProperty("missing_eos_penalty", 0.0);
        o.addProperty("eval_steps", 0);
        o.addProperty("save_steps", 0);
        o.addProperty("per_device_eval_batch_size", 4);
        o.addProperty("seed", 11);
        return PpoConfig.fromJson(o, PpoConfig.defaults(out));
    }

    static PpoConfig with(PpoConfig c, String key, Number value) {
        JsonObject o = new JsonObject();
        o.addProperty(key, value);
        return c.with(o);
    }

    static PpoResult run(PpoConfig config, Reward reward, TrainingListener listener) {
        try (LanguageModel lm = LanguageModel.load(policyDir);
                PpoTrainer trainer = PpoTrainer.create(config, lm, rewardDir, reward)) {
            return trainer.train(TRAIN, EVAL, listener);
        }
    }

    @Test
    void ppoRaisesAProgrammaticRewardWithinTheKlLimitAndTheOutputReloads() throws Exception {
        Path out = tmp.resolve("full");
        PpoConfig config = with(with(config(out, 16), "eval_steps", 8), "kl_limit", 40);
        PpoResult result = run(config, new TokenCountReward(rewardedToken, 4), TrainingListener.NONE);

        List<JsonObject> lines = TestData.metrics(out);
        List<JsonObject> train = lines.stream().filter(l -> l.has("objective/scores")).toList();
        assertThat(train).hasSize(16);
        assertThat(train.get(0).get("objective/kl").getAsDouble()).isCloseTo(0.0, org.assertj.core.api.Assertions.within(1e-4));
        double early = OnlineTestModels.mean(train.subList(0, 4), "objective/raw_scores");
        double late = OnlineTestModels.mean(train.subList(12, 16), "objective/raw_scores");
        System.out.println("PPO token reward: first 4 iterations " + early + ", last 4 " + late + "; " + result);
        assertThat(late).isGreaterThan(early + 0.5);
        for (JsonObject l : train) {
            assertThat(l.get("objective/kl_k3").getAsDouble()).isLessThanOrEqualTo(40);
            for (String key : List.of("objective/entropy", "objective/rlhf_reward", "policy/clipfrac",
                    "policy/approxkl", "loss/policy", "loss/value", "val/ratio", "val/num_eos_tokens",
                    "val/response_length", "time/generation", "time/scoring", "time/update")) {
                assertThat(l.has(key)).as(key).isTrue();
                assertThat(Double.isFinite(l.get(key).getAsDouble())).as(key).isTrue();
            }
        }
        assertThat(result.stopReason()).isEqualTo("completed");
        assertThat(lines.stream().filter(l -> l.has("eval/scores")).count()).isEqualTo(2);
        JsonObject report = Json.readObject(out.resolve(PpoTrainer.REPORT_FILE));
        assertThat(report.get("stop_reason").getAsString()).isEqualTo("completed");
        assertThat(report.getAsJsonArray("evaluations")).hasSize(2);
        assertThat(result.bestStep()).isIn(8L, 16L);
        assertThat(result.outputStep()).isEqualTo(result.bestStep());

        // the output is a model directory that loads and, greedily, says the rewarded token more than the base
        try (LanguageModel trained = LanguageModel.load(out); LanguageModel base = LanguageModel.load(policyDir)) {
            int trainedCount = OnlineTestModels.greedyCount(trained, rewardedToken);
            int baseCount = OnlineTestModels.greedyCount(base, rewardedToken);
            System.out.println("greedy rewarded tokens on eval prompts: base " + baseCount + ", trained " + trainedCount);
            assertThat(trainedCount).isGreaterThan(baseCount);
        }
    }

    @Test
    void winRateOverTheStartingAnswersPicksTheBestCheckpoint() throws Exception {
        Path out = tmp.resolve("win-rate");
        JsonObject options = new JsonObject();
        options.addProperty("eval_steps", 3);
        options.addProperty("metric_for_best_model", PpoConfig.METRIC_WIN_RATE);
        PpoResult result = run(config(out, 9).with(options), new TokenCountReward(rewardedToken, 4), TrainingListener.NONE);

        // the starting policy's greedy answers were scored once, before any update, one score per eval prompt
        JsonObject baseline = Json.readObject(out.resolve(EvalBaseline.FILE));
        assertThat(baseline.getAsJsonArray("scores")).hasSize(EVAL.size());
        List<JsonObject> evals = TestData.metrics(out).stream().filter(l -> l.has("eval/scores")).toList();
        assertThat(evals).hasSize(3);
        JsonObject best = evals.get(0);
        for (JsonObject e : evals) {
            assertThat(e.get("eval/win_rate").getAsDouble()).isBetween(0.0, 1.0);
            if (e.get("eval/win_rate").getAsDouble() > best.get("eval/win_rate").getAsDouble()) {
                best = e;
            }
        }
        assertThat(result.bestStep()).isEqualTo(best.get("step").getAsLong());
        assertThat(result.bestMetric()).isEqualTo(best.get("eval/win_rate").getAsDouble());
        assertThat(result.outputStep()).isEqualTo(result.bestStep());
        JsonObject report = Json.readObject(out.resolve(PpoTrainer.REPORT_FILE));
        assertThat(report.get("metric_for_best_model").getAsString()).isEqualTo(PpoConfig.METRIC_WIN_RATE);
        assertThat(report.get("baseline_eval_scores").getAsDouble())
                .isCloseTo(baseline.get("mean_score").getAsDouble(), org.assertj.core.api.Assertions.within(1e-6));
    }

    @Test
    void winRateCountsTiesAsHalf() {
        EvalBaseline start = new EvalBaseline(new float[] {1f, 2f, 3f, 4f});
        assertThat(start.winRate(new float[] {1.5f, 2f, 2.5f, 4f})).isEqualTo(0.5); // win, tie, loss, tie
        assertThat(start.winRate(new float[] {5f, 5f, 5f, 5f})).isEqualTo(1.0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start.winRate(new float[] {1f}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUnknownBestMetricIsRefused() {
        JsonObject o = new JsonObject();
        o.addProperty("metric_for_best_model", "eval/loss");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config(tmp.resolve("x"), 1).with(o))
                .hasMessageContaining("metric_for_best_model");
    }

    @Test
    void theKlGuardRailStopsTheRunAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path out = tmp.resolve("guard");
        PpoConfig config = with(with(config(out, 10), "kl_limit", 1e-3), "save_steps", 1);
        PpoResult result = run(config, new TokenCountReward(rewardedToken, 4), TrainingListener.NONE);
        // iteration 1 samples from the untouched policy (KL 0); after one update the KL passes the limit
        assertThat(result.stopReason()).startsWith("kl_limit");
        assertThat(result.globalStep()).isEqualTo(1);
        assertThat(result.guardRailTripped()).isTrue();
        assertThat(result.globalStep()).isLessThan(10);
        assertThat(result.outputStep()).isEqualTo(result.globalStep() - 1);
        JsonObject report = Json.readObject(out.resolve(PpoTrainer.REPORT_FILE));
        assertThat(report.get("stop_reason").getAsString()).startsWith("kl_limit: objective/kl_k3");
        assertThat(report.get("output_step").getAsLong()).isEqualTo(result.outputStep());
        // the output holds exactly the weights of that checkpoint
        try (LlamaModel output = LlamaModel.load(out, ModelOptions.DEFAULT);
                LlamaModel good = LlamaModel.load(out.resolve("checkpoint-" + result.outputStep()),
                        ModelOptions.DEFAULT)) {
            assertThat(TestData.maxAbsDiff(TestData.snapshot(good.parameters()), TestData.snapshot(output.parameters()))).isZero();
        }
    }

    @Test
    void theRatioGuardRailStopsAnUpdateThatMovesThePolicyTooFar() throws Exception {
        Path out = tmp.resolve("ratio");
        JsonObject o = new JsonObject();
        o.addProperty("learning_rate", 5e-3);
        o.addProperty("ratio_limit", 1.0001); // the first minibatch's ratio is exactly 1; later ones drift
        o.addProperty("kl_limit", 0);
        o.addProperty("save_steps", 1);
        PpoResult result = run(config(out, 5).with(o), new TokenCountReward(rewardedToken, 4), TrainingListener.NONE);
        assertThat(result.stopReason()).startsWith("ratio_limit: val/ratio");
        // the update in progress is dropped: the output is the checkpoint written before it
        assertThat(result.outputStep()).isEqualTo(result.globalStep());
        try (LlamaModel output = LlamaModel.load(out, ModelOptions.DEFAULT);
                LlamaModel good = LlamaModel.load(out.resolve("checkpoint-" + result.outputStep()),
                        ModelOptions.DEFAULT)) {
            assertThat(TestData.maxAbsDiff(TestData.snapshot(good.parameters()), TestData.snapshot(output.parameters()))).isZero();
        }
    }

    @Test
    void aStoppedAndResumedRunEndsWithTheWeightsOfAnUninterruptedRun() {
        int total = 6;
        PpoConfig straight = with(config(tmp.resolve("straight"), total), "eval_steps", 3);
        Map<String, float[]> uninterrupted;
        try (LanguageModel lm = LanguageModel.load(policyDir);
                PpoTrainer trainer = PpoTrainer.create(straight, lm, rewardDir, new LengthReward(8))) {
            trainer.train(TRAIN, EVAL, TrainingListener.NONE);
            uninterrupted = TestData.snapshot(lm.network().parameters());
        }

        Path out = tmp.resolve("resumed");
        PpoConfig config = with(with(config(out, total), "eval_steps", 3), "save_steps", 2);
        // killed after iteration 4, checkpoint-4 on disk
        PpoResult stopped = run(config, new LengthReward(8), OnlineTestModels.stopAfter(4));
        assertThat(stopped.stopReason()).isEqualTo("stopped");
        assertThat(stopped.globalStep()).isEqualTo(4);
        Map<String, float[]> after;
        PpoResult resumed;
        try (LanguageModel lm = LanguageModel.load(policyDir);
                PpoTrainer trainer = PpoTrainer.create(config.with(resume()), lm, rewardDir, new LengthReward(8))) {
            resumed = trainer.train(TRAIN, EVAL, TrainingListener.NONE);
            after = TestData.snapshot(lm.network().parameters());
        }
        assertThat(resumed.resumedFrom()).isEqualTo(out.resolve("checkpoint-4"));
        assertThat(resumed.globalStep()).isEqualTo(total);
        double diff = TestData.maxAbsDiff(uninterrupted, after);
        System.out.println("PPO resume: max abs weight difference " + diff);
        assertThat(diff).isLessThan(1e-6);
        assertThat(Checkpoints.list(out)).extracting(p -> p.getFileName().toString())
                .containsExactly("checkpoint-4", "checkpoint-6");
        assertThat(out.resolve("checkpoint-6/value/scalar_head.safetensors")).exists();
        assertThat(out.resolve("checkpoint-6/optimizer.safetensors")).exists();
    }

    private static JsonObject resume() {
        JsonObject o = new JsonObject();
        o.addProperty("resume", true);
        return o;
    }

    @Test
    void withLoraTheReferenceIsTheBaseWithAdaptersOffAndTheOutputIsAPeftAdapter() throws Exception {
        Path out = tmp.resolve("lora");
        JsonObject o = new JsonObject();
        o.addProperty("use_peft", true);
        o.addProperty("lora_r", 4);
        o.addProperty("lora_alpha", 8);
        PpoConfig config = config(out, 3).with(o);
        PpoResult result = run(config, new TokenCountReward(rewardedToken, 4), TrainingListener.NONE);
        assertThat(result.stopReason()).isEqualTo("completed");
        List<JsonObject> train = TestData.metrics(out).stream().filter(l -> l.has("objective/kl")).toList();
        assertThat(train.get(0).get("objective/kl").getAsDouble()).isZero(); // B = 0: policy == reference
        assertThat(train.get(2).get("objective/kl").getAsDouble()).isNotZero();
        assertThat(out.resolve("adapter_model.safetensors")).exists();
        try (LanguageModel merged = LanguageModel.load(out.resolve("merged"))) {
            assertThat(merged.generator().chat(EVAL.get(0), GenerationOptions.greedy(4), t -> true).tokenIds())
                    .isNotEmpty();
        }
    }

    @Test
    void badOptionsAreOneLineErrors() {
        JsonObject o = new JsonObject();
        o.addProperty("clip_range", 0.2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PpoConfig.fromJson(o, PpoConfig.defaults(tmp)))
                .hasMessage("Unknown PPO option 'clip_range'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> with(PpoConfig.defaults(tmp), "cliprange", 0))
                .hasMessage("cliprange and cliprange_value must be positive");
        PpoConfig d = PpoConfig.defaults(tmp);
        assertThat(PpoConfig.fromJson(d.toJson(), d)).isEqualTo(d);
        // 3 epochs of 20 prompts in rollout batches of 8: 60 episodes, 8 iterations (the last one partly a 4th epoch)
        assertThat(d.totalSteps(20)).isEqualTo(8);
        assertThat(with(d, "max_steps", 5).totalSteps(20)).isEqualTo(5);
        assertThat(with(with(d, "total_episodes", 16), "num_mini_batches", 2).totalSteps(20)).isEqualTo(1);
    }
}
