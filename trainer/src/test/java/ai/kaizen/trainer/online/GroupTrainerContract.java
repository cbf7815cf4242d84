package ai.kaizen.trainer.online;

import static ai.kaizen.trainer.online.OnlineTestModels.EVAL;
import static ai.kaizen.trainer.online.OnlineTestModels.TRAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.trainer.training.Checkpoints;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link GroupMethod} (RLOO, GRPO) must do through the shared {@link GroupTrainer}, on stories260K with
 * programmatic rewards (tiny settings, seconds each): raise a reward, and resume a stopped run to the weights of an
 * uninterrupted one. Each method's test class extends this and adds what is its own.
 *
 * @param <C> the method's configuration
 */
public abstract class GroupTrainerContract<C extends GroupConfig> {

    @TempDir
    protected Path tmp;

    protected static Path policyDir;
    protected static int rewardedToken;

    @BeforeAll
    static void models() {
        policyDir = OnlineTestModels.policyDir();
        rewardedToken = OnlineTestModels.rewardedToken();
    }

    /** @return the method under test */
    protected abstract GroupMethod<C> method();

    /**
     * Adds the method's own options to the small runs' (e.g. GRPO's two updates per batch, RLOO's KL coefficient).
     *
     * @param options the small runs' options
     */
    protected abstract void smallRunOptions(JsonObject options);

    /**
     * Checks what the reward-raising run shows of the method itself (nothing more than the shared checks unless
     * overridden).
     *
     * @param out the run's output directory
     * @param result what the run returned
     * @param train the run's training lines, one a step
     */
    protected void raisedTheRewardItsOwnWay(Path out, RunResult result, List<JsonObject> train) throws Exception {}

    /** 2 prompts x 4 answers per step in 2 micro-batches of 4: large steps for a 260K-parameter model. */
    protected C config(Path out, int steps) {
        return config(out, steps, o -> {});
    }

    /**
     * @param out the output directory
     * @param steps {@code max_steps}
     * @param change laid over the small runs' options
     * @return the configuration
     */
    protected C config(Path out, int steps, Consumer<JsonObject> change) {
        JsonObject o = new JsonObject();
        o.addProperty("learning_rate", 5e-4);
        o.addProperty("max_prompt_length", 64);
        o.addProperty("max_steps", steps);
        o.addProperty("per_device_train_batch_size", 4);
        o.addProperty("gradient_accumulation_steps", 2);
        o.addProperty("num_generations", 4);
        o.addProperty("max_completion_length", 16);
        o.addProperty("missing_eos_penalty", 0.0);
        o.addProperty("eval_steps", 0);
        o.addProperty("save_steps", 0);
        o.addProperty("per_device_eval_batch_size", 4);
        o.addProperty("seed", 11);
        smallRunOptions(o);
        change.accept(o);
        return method().configure(o, out);
    }

    /** @return the reward the tests raise: the rewarded token, counted up to 4 times */
    protected static Reward tokenReward() {
        return new TokenCountReward(rewardedToken, 4);
    }

    protected RunResult run(C config, Reward reward, TrainingListener listener) {
        return trained(config, reward, listener).result();
    }

    /** A finished run and the policy's weights at its end. */
    protected record Trained(RunResult result, Map<String, float[]> weights) {}

    protected Trained trained(C config, Reward reward, TrainingListener listener) {
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = method().create(config, lm, reward)) {
            RunResult result = trainer.train(TRAIN, EVAL, listener);
            return new Trained(result, TestData.snapshot(lm.network().parameters()));
        }
    }

    @Test
    public void raisesAProgrammaticRewardWithinTheKlLimit() throws Exception {
        Path out = tmp.resolve(method().name());
        RunResult result = run(config(out, 16, o -> {
            o.addProperty("eval_steps", 8);
            o.addProperty("kl_limit", 40);
        }), tokenReward(), TrainingListener.NONE);

        List<JsonObject> lines = TestData.metrics(out);
        List<JsonObject> train = lines.stream().filter(l -> l.has("objective/scores")).toList();
        assertThat(train).hasSize(16);
        assertThat(train.get(0).get("objective/kl").getAsDouble()).isCloseTo(0.0, within(1e-4));
        assertThat(train.get(0).get("episode").getAsLong()).isEqualTo(8);
        double early = OnlineTestModels.mean(train.subList(0, 4), "objective/raw_scores");
        double late = OnlineTestModels.mean(train.subList(12, 16), "objective/raw_scores");
        System.out.println(method().name() + " token reward: first 4 steps " + early + ", last 4 " + late + "; "
                + result);
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
        assertThat(Json.readObject(out.resolve(method().name() + "_config.json")).get("num_generations").getAsInt())
                .isEqualTo(4);
        assertThat(out.resolve("checkpoint-0/value")).doesNotExist();
        raisedTheRewardItsOwnWay(out, result, train);
    }

    @Test
    public void aStoppedAndResumedRunEndsWithTheWeightsOfAnUninterruptedRun() {
        int total = 6;
        Map<String, float[]> uninterrupted = trained(config(tmp.resolve("straight"), total,
                o -> o.addProperty("eval_steps", 3)), tokenReward(), TrainingListener.NONE).weights();

        Path out = tmp.resolve("resumed");
        Consumer<JsonObject> checkpointed = o -> {
            o.addProperty("eval_steps", 3);
            o.addProperty("save_steps", 2);
        };
        RunResult stopped = run(config(out, total, checkpointed), tokenReward(), OnlineTestModels.stopAfter(4));
        assertThat(stopped.stopReason()).isEqualTo("stopped");
        assertThat(stopped.globalStep()).isEqualTo(4);
        Trained resumed = trained(config(out, total, checkpointed.andThen(o -> o.addProperty("resume", true))),
                tokenReward(), TrainingListener.NONE);
        assertThat(resumed.result().resumedFrom()).isEqualTo(out.resolve("checkpoint-4"));
        assertThat(resumed.result().globalStep()).isEqualTo(total);
        double diff = TestData.maxAbsDiff(uninterrupted, resumed.weights());
        try (LanguageModel base = LanguageModel.load(policyDir)) {
            assertThat(TestData.maxAbsDiff(TestData.snapshot(base.network().parameters()), resumed.weights()))
                    .as("the runs trained").isGreaterThan(1e-4);
        }
        System.out.println(method().name() + " resume: max abs weight difference " + diff);
        assertThat(diff).isLessThan(1e-6);
        assertThat(Checkpoints.list(out)).extracting(p -> p.getFileName().toString())
                .containsExactly("checkpoint-4", "checkpoint-6");
        assertThat(out.resolve("checkpoint-6/" + RunDirectory.OPTIMIZER_FILE)).exists();
    }

    @Test
    public void aJudgeTheRunDoesNotOptimiseChoosesTheCheckpoint() throws Exception {
        Path out = tmp.resolve("judged");
        // the reward wants the rewarded token; this judge wants short answers, and sees each evaluation prompt once
        List<List<ChatMessage>> judged = new ArrayList<>();
        EvaluationJudge shortAnswers = (prompt, answer) -> {
            judged.add(prompt);
            return prompt.equals(EVAL.get(0)) ? Double.NaN : -answer.length();
        };
        C config = config(out, 6, o -> {
            o.addProperty("eval_steps", 2);
            o.addProperty("metric_for_best_model", TrainingEvaluation.METRIC_JUDGE);
        });
        RunResult result;
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = method().create(config, lm, tokenReward())) {
            trainer.judgeEvaluationsBy(shortAnswers);
            result = trainer.train(TRAIN, EVAL, TrainingListener.NONE);
        }

        List<JsonObject> evals = TestData.metrics(out).stream().filter(l -> l.has("eval/scores")).toList();
        assertThat(evals).hasSize(3);
        assertThat(judged).hasSize(3 * EVAL.size());
        assertThat(judged.subList(0, EVAL.size())).isEqualTo(EVAL);
        JsonObject best = evals.get(0);
        for (JsonObject e : evals) {
            assertThat(e.get(TrainingEvaluation.METRIC_JUDGE).getAsDouble()).isNegative();
            if (e.get(TrainingEvaluation.METRIC_JUDGE).getAsDouble()
                    > best.get(TrainingEvaluation.METRIC_JUDGE).getAsDouble()) {
                best = e;
            }
        }
        assertThat(result.bestStep()).isEqualTo(best.get("step").getAsLong());
        assertThat(result.bestMetric()).isEqualTo(best.get(TrainingEvaluation.METRIC_JUDGE).getAsDouble());
    }

    @Test
    public void choosingByAJudgeWithoutOneIsRefused() {
        C config = config(tmp.resolve("unjudged"), 2,
                o -> o.addProperty("metric_for_best_model", TrainingEvaluation.METRIC_JUDGE));
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = method().create(config, lm, tokenReward())) {
            assertThatThrownBy(() -> trainer.train(TRAIN, EVAL, TrainingListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a judge");
        }
    }
}
