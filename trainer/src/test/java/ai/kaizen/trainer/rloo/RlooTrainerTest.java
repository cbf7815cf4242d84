package ai.kaizen.trainer.rloo;

import static ai.kaizen.trainer.online.OnlineTestModels.EVAL;
import static ai.kaizen.trainer.online.OnlineTestModels.TRAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.grpo.GrpoConfig;
import ai.kaizen.trainer.grpo.GrpoTrainer;
import ai.kaizen.trainer.online.GroupTrainer;
import ai.kaizen.trainer.online.LengthReward;
import ai.kaizen.trainer.online.OnlineTestModels;
import ai.kaizen.trainer.online.Reward;
import ai.kaizen.trainer.online.RunDirectory;
import ai.kaizen.trainer.online.RunResult;
import ai.kaizen.trainer.online.TokenCountReward;
import ai.kaizen.trainer.training.Checkpoints;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RLOO on stories260K with programmatic rewards: tiny settings, seconds each. */
class RlooTrainerTest {

    @TempDir
    Path tmp;

    static Path policyDir;
    static int rewardedToken;

    @BeforeAll
    static void models() {
        policyDir = OnlineTestModels.policyDir();
        rewardedToken = OnlineTestModels.rewardedToken();
    }

    /** Large steps for a 260K-parameter model: 2 prompts x 4 answers per step, in 2 micro-batches of 4. */
    static RlooConfig config(Path out, int steps) {
        return RlooConfig.defaults(out).with(o -> {
            o.addProperty("learning_rate", 5e-4);
            o.addProperty("max_prompt_length", 64);
            o.addProperty("max_steps", steps);
            o.addProperty("per_device_train_batch_size", 4);
            o.addProperty("gradient_accumulation_steps", 2);
            o.addProperty("num_generations", 4);
            o.addProperty("max_completion_length", 16);
            o.addProperty("beta", 0.02);
            o.addProperty("missing_eos_penalty", 0.0);
            o.addProperty("eval_steps", 0);
            o.addProperty("save_steps", 0);
            o.addProperty("per_device_eval_batch_size", 4);
            o.addProperty("seed", 11);
        });
    }

    static RunResult run(RlooConfig config, Reward reward, TrainingListener listener) {
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = RlooTrainer.METHOD.create(config, lm, reward)) {
            return trainer.train(TRAIN, EVAL, listener);
        }
    }

    @Test
    void rlooRaisesAProgrammaticRewardWithinTheKlLimit() throws Exception {
        Path out = tmp.resolve("rloo");
        RlooConfig config = config(out, 16).with(o -> {
            o.addProperty("eval_steps", 8);
            o.addProperty("kl_limit", 40);
        });
        RunResult result = run(config, new TokenCountReward(rewardedToken, 4), TrainingListener.NONE);

        List<JsonObject> lines = OnlineTestModels.metrics(out);
        List<JsonObject> train = lines.stream().filter(l -> l.has("objective/scores")).toList();
        assertThat(train).hasSize(16);
        assertThat(train.get(0).get("objective/kl").getAsDouble()).isCloseTo(0.0, within(1e-4));
        assertThat(train.get(0).get("episode").getAsLong()).isEqualTo(8);
        double early = OnlineTestModels.mean(train.subList(0, 4), "objective/raw_scores");
        double late = OnlineTestModels.mean(train.subList(12, 16), "objective/raw_scores");
        System.out.println("RLOO token reward: first 4 steps " + early + ", last 4 " + late + "; " + result);
        assertThat(late).isGreaterThan(early + 0.5);
        for (JsonObject l : train) {
            assertThat(l.get("objective/kl_k3").getAsDouble()).isLessThanOrEqualTo(40);
            for (String key : List.of("objective/entropy", "objective/rlhf_reward", "reward_std",
                    "frac_reward_zero_std", "policy/clipfrac", "policy/approxkl", "loss/policy", "val/ratio",
                    "grad_norm", "lr", "time/generation", "time/scoring", "time/update")) {
                assertThat(l.has(key)).as(key).isTrue();
                assertThat(Double.isFinite(l.get(key).getAsDouble())).as(key).isTrue();
            }
            assertThat(l.has("loss/value")).isFalse(); // no critic
        }
        assertThat(result.stopReason()).isEqualTo("completed");
        assertThat(lines.stream().filter(l -> l.has("eval/scores")).count()).isEqualTo(2);
        JsonObject report = Json.readObject(out.resolve(RunDirectory.REPORT_FILE));
        assertThat(report.getAsJsonArray("evaluations")).hasSize(2);
        assertThat(result.outputStep()).isEqualTo(result.bestStep());
        assertThat(Json.readObject(out.resolve(RlooTrainer.CONFIG_FILE)).get("num_generations").getAsInt())
                .isEqualTo(4);
        assertThat(out.resolve("checkpoint-0/value")).doesNotExist();
    }

    @Test
    void aStoppedAndResumedRunEndsWithTheWeightsOfAnUninterruptedRun() {
        int total = 6;
        RlooConfig straight = config(tmp.resolve("straight"), total).with(o -> o.addProperty("eval_steps", 3));
        Map<String, float[]> uninterrupted;
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = RlooTrainer.METHOD.create(straight, lm, new TokenCountReward(rewardedToken, 4))) {
            trainer.train(TRAIN, EVAL, TrainingListener.NONE);
            uninterrupted = OnlineTestModels.snapshot(lm.network().parameters());
        }

        Path out = tmp.resolve("resumed");
        RlooConfig config = config(out, total).with(o -> {
            o.addProperty("eval_steps", 3);
            o.addProperty("save_steps", 2);
        });
        RunResult stopped = run(config, new TokenCountReward(rewardedToken, 4), stopAfter(4));
        assertThat(stopped.stopReason()).isEqualTo("stopped");
        assertThat(stopped.globalStep()).isEqualTo(4);
        Map<String, float[]> after;
        RunResult resumed;
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = RlooTrainer.METHOD.create(config.with(o -> o.addProperty("resume", true)), lm,
                        new TokenCountReward(rewardedToken, 4))) {
            resumed = trainer.train(TRAIN, EVAL, TrainingListener.NONE);
            after = OnlineTestModels.snapshot(lm.network().parameters());
        }
        assertThat(resumed.resumedFrom()).isEqualTo(out.resolve("checkpoint-4"));
        assertThat(resumed.globalStep()).isEqualTo(total);
        double diff = OnlineTestModels.maxAbsDiff(uninterrupted, after);
        try (LanguageModel base = LanguageModel.load(policyDir)) {
            assertThat(OnlineTestModels.maxAbsDiff(OnlineTestModels.snapshot(base.network().parameters()), after))
                    .as("the runs trained").isGreaterThan(1e-4);
        }
        System.out.println("RLOO resume: max abs weight difference " + diff);
        assertThat(diff).isLessThan(1e-6);
        assertThat(Checkpoints.list(out)).extracting(p -> p.getFileName().toString())
                .containsExactly("checkpoint-4", "checkpoint-6");
        assertThat(out.resolve("checkpoint-6/" + RunDirectory.OPTIMIZER_FILE)).exists();
    }

    @Test
    void aRunNeverResumesAnotherMethodsCheckpoint() {
        Path out = tmp.resolve("mixed");
        GrpoConfig grpo = GrpoConfig.defaults(out).with(o -> {
            o.addProperty("max_steps", 1);
            o.addProperty("per_device_train_batch_size", 4);
            o.addProperty("num_generations", 4);
            o.addProperty("max_completion_length", 8);
            o.addProperty("learning_rate", 1e-4);
        });
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = GrpoTrainer.METHOD.create(grpo, lm, new TokenCountReward(rewardedToken, 4))) {
            trainer.train(TRAIN, List.of(), TrainingListener.NONE);
        }
        RlooConfig rloo = config(out, 2).with(o -> o.addProperty("resume", true));
        assertThatThrownBy(() -> run(rloo, new LengthReward(8), TrainingListener.NONE))
                .hasMessageContaining("was written by grpo, not rloo");
    }

    /** A listener that asks the run to stop after {@code steps} training lines (a killed run). */
    static TrainingListener stopAfter(int steps) {
        AtomicInteger seen = new AtomicInteger();
        return new TrainingListener() {
            @Override
            public void onLog(Map<String, Number> metrics) {
                if (metrics.containsKey("objective/kl")) {
                    seen.incrementAndGet();
                }
            }

            @Override
            public boolean shouldStop() {
                return seen.get() >= steps;
            }
        };
    }
}
