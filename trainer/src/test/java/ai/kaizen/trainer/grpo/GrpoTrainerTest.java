package ai.kaizen.trainer.grpo;

import static ai.kaizen.trainer.online.OnlineTestModels.EVAL;
import static ai.kaizen.trainer.online.OnlineTestModels.TRAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.online.GroupTrainer;
import ai.kaizen.trainer.online.OnlineTestModels;
import ai.kaizen.trainer.online.Reward;
import ai.kaizen.trainer.online.RunDirectory;
import ai.kaizen.trainer.online.RunResult;
import ai.kaizen.trainer.online.TokenCountReward;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GRPO on stories260K with programmatic rewards: tiny settings, seconds each. */
class GrpoTrainerTest {

    @TempDir
    Path tmp;

    static Path policyDir;
    static int rewardedToken;

    @BeforeAll
    static void models() {
        policyDir = OnlineTestModels.policyDir();
        rewardedToken = OnlineTestModels.rewardedToken();
    }

    /** 2 prompts x 4 answers per step in 2 micro-batches of 4, two updates per step (num_iterations). */
    static GrpoConfig config(Path out, int steps) {
        return GrpoConfig.defaults(out).with(o -> {
            o.addProperty("learning_rate", 5e-4);
            o.addProperty("max_prompt_length", 64);
            o.addProperty("max_steps", steps);
            o.addProperty("per_device_train_batch_size", 4);
            o.addProperty("gradient_accumulation_steps", 2);
            o.addProperty("num_generations", 4);
            o.addProperty("num_iterations", 2);
            o.addProperty("max_completion_length", 16);
            o.addProperty("missing_eos_penalty", 0.0);
            o.addProperty("eval_steps", 0);
            o.addProperty("save_steps", 0);
            o.addProperty("per_device_eval_batch_size", 4);
            o.addProperty("seed", 11);
        });
    }

    static RunResult run(GrpoConfig config, Reward reward, TrainingListener listener) {
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = GrpoTrainer.METHOD.create(config, lm, reward)) {
            return trainer.train(TRAIN, EVAL, listener);
        }
    }

    @Test
    void grpoRaisesAProgrammaticRewardAndTheOutputSaysItMore() throws Exception {
        Path out = tmp.resolve("grpo");
        GrpoConfig config = config(out, 16).with(o -> {
            o.addProperty("eval_steps", 8);
            o.addProperty("kl_limit", 40);
        });
        RunResult result = run(config, new TokenCountReward(rewardedToken, 4), TrainingListener.NONE);

        List<JsonObject> lines = OnlineTestModels.metrics(out);
        List<JsonObject> train = lines.stream().filter(l -> l.has("objective/scores")).toList();
        assertThat(train).hasSize(16);
        assertThat(train.get(0).get("objective/kl").getAsDouble()).isCloseTo(0.0, within(1e-4));
        double early = OnlineTestModels.mean(train.subList(0, 4), "objective/raw_scores");
        double late = OnlineTestModels.mean(train.subList(12, 16), "objective/raw_scores");
        System.out.println("GRPO token reward: first 4 steps " + early + ", last 4 " + late + "; " + result);
        assertThat(late).isGreaterThan(early + 0.5);
        for (JsonObject l : train) {
            for (String key : List.of("reward_std", "frac_reward_zero_std", "kl", "policy/clipfrac", "loss/policy",
                    "val/ratio", "grad_norm", "lr")) {
                assertThat(l.has(key)).as(key).isTrue();
                assertThat(Double.isFinite(l.get(key).getAsDouble())).as(key).isTrue();
            }
        }
        // the second update of a batch sees the first one's change: ratios move away from 1 and may be clipped
        assertThat(train.get(0).get("val/ratio").getAsDouble()).isNotEqualTo(1.0);
        assertThat(result.stopReason()).isEqualTo("completed");
        assertThat(result.outputStep()).isEqualTo(result.bestStep());
        try (LanguageModel trained = LanguageModel.load(out); LanguageModel base = LanguageModel.load(policyDir)) {
            int trainedCount = 0;
            int baseCount = 0;
            for (List<ChatMessage> p : EVAL) {
                trainedCount += OnlineTestModels.count(trained.generator().chat(p, GenerationOptions.greedy(16),
                        t -> true).tokenIds(), rewardedToken);
                baseCount += OnlineTestModels.count(base.generator().chat(p, GenerationOptions.greedy(16),
                        t -> true).tokenIds(), rewardedToken);
            }
            System.out.println("GRPO greedy rewarded tokens on eval prompts: base " + baseCount + ", trained "
                    + trainedCount);
            assertThat(trainedCount).isGreaterThan(baseCount);
        }
    }

    @Test
    void aStoppedAndResumedRunEndsWithTheWeightsOfAnUninterruptedRun() {
        int total = 6;
        GrpoConfig straight = config(tmp.resolve("straight"), total).with(o -> o.addProperty("eval_steps", 3));
        Map<String, float[]> uninterrupted;
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = GrpoTrainer.METHOD.create(straight, lm, new TokenCountReward(rewardedToken, 4))) {
            trainer.train(TRAIN, EVAL, TrainingListener.NONE);
            uninterrupted = OnlineTestModels.snapshot(lm.network().parameters());
        }
        Path out = tmp.resolve("resumed");
        GrpoConfig config = config(out, total).with(o -> {
            o.addProperty("eval_steps", 3);
            o.addProperty("save_steps", 2);
        });
        AtomicInteger steps = new AtomicInteger();
        RunResult stopped = run(config, new TokenCountReward(rewardedToken, 4), new TrainingListener() {
            @Override
            public void onLog(Map<String, Number> metrics) {
                if (metrics.containsKey("objective/kl")) {
                    steps.incrementAndGet();
                }
            }

            @Override
            public boolean shouldStop() {
                return steps.get() >= 4; // killed after step 4, checkpoint-4 on disk
            }
        });
        assertThat(stopped.globalStep()).isEqualTo(4);
        Map<String, float[]> after;
        RunResult resumed;
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = GrpoTrainer.METHOD.create(config.with(o -> o.addProperty("resume", true)), lm,
                        new TokenCountReward(rewardedToken, 4))) {
            resumed = trainer.train(TRAIN, EVAL, TrainingListener.NONE);
            after = OnlineTestModels.snapshot(lm.network().parameters());
        }
        assertThat(resumed.resumedFrom()).isEqualTo(out.resolve("checkpoint-4"));
        assertThat(resumed.globalStep()).isEqualTo(total);
        double diff = OnlineTestModels.maxAbsDiff(uninterrupted, after);
        System.out.println("GRPO resume: max abs weight difference " + diff);
        assertThat(diff).isLessThan(1e-6);
        try (LanguageModel base = LanguageModel.load(policyDir)) {
            assertThat(OnlineTestModels.maxAbsDiff(OnlineTestModels.snapshot(base.network().parameters()), after))
                    .as("the runs trained").isGreaterThan(1e-4);
        }
    }

    @Test
    void theKlGuardRailStopsTheRunAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path out = tmp.resolve("guard");
        GrpoConfig config = config(out, 10).with(o -> {
            o.addProperty("kl_limit", 1e-3);
            o.addProperty("save_steps", 1);
        });
        RunResult result = run(config, new TokenCountReward(rewardedToken, 4), TrainingListener.NONE);
        // step 1 samples from the untouched policy (KL 0); after its updates the KL passes the limit
        assertThat(result.stopReason()).startsWith("kl_limit: objective/kl_k3");
        assertThat(result.globalStep()).isEqualTo(1);
        assertThat(result.outputStep()).isZero();
        try (LlamaModel output = LlamaModel.load(out, ModelOptions.DEFAULT);
                LlamaModel good = LlamaModel.load(out.resolve("checkpoint-0"), ModelOptions.DEFAULT)) {
            assertThat(OnlineTestModels.maxAbsDiff(OnlineTestModels.snapshot(good.parameters()),
                    OnlineTestModels.snapshot(output.parameters()))).isZero();
        }
        assertThat(Json.readObject(out.resolve(RunDirectory.REPORT_FILE)).get("output_step").getAsLong()).isZero();
    }

    @Test
    void drGrpoWithLoraTrainsAdaptersAgainstTheBaseWithAdaptersOff() throws Exception {
        Path out = tmp.resolve("lora");
        GrpoConfig config = config(out, 3).with(o -> {
            o.addProperty("loss_type", "dr_grpo");
            o.addProperty("scale_rewards", "none");
            o.addProperty("use_peft", true);
            o.addProperty("lora_r", 4);
            o.addProperty("lora_alpha", 8);
            o.addProperty("learning_rate", 5e-3);
        });
        RunResult result = run(config, new TokenCountReward(rewardedToken, 4), TrainingListener.NONE);
        assertThat(result.stopReason()).isEqualTo("completed");
        List<JsonObject> train = OnlineTestModels.metrics(out).stream().filter(l -> l.has("objective/kl")).toList();
        assertThat(train.get(0).get("objective/kl").getAsDouble()).isZero(); // B = 0: policy == reference
        assertThat(train.get(2).get("objective/kl").getAsDouble()).isNotZero();
        assertThat(out.resolve("adapter_model.safetensors")).exists();
        assertThat(Json.readObject(out.resolve(GrpoTrainer.CONFIG_FILE)).get("loss_type").getAsString())
                .isEqualTo("dr_grpo");
        try (LanguageModel merged = LanguageModel.load(out.resolve("merged"))) {
            assertThat(merged.generator().chat(EVAL.get(0), GenerationOptions.greedy(4), t -> true).tokenIds())
                    .isNotEmpty();
        }
    }
}
