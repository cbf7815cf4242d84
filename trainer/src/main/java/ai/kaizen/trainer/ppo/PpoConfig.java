package ai.kaizen.trainer.ppo;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.online.TrainingEvaluation;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.LoraSettings;
import ai.kaizen.trainer.training.TrainingArguments;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a PPO run needs to know, in one immutable object, read from JSON with TRL's
 * {@code PPOConfig} option names (see {@link #fromJson}).
 *
 * <p>Defaults ({@link #defaults}), with their sources. From TRL's {@code PPOConfig}:
 * {@code learning_rate=3e-6}, {@code num_ppo_epochs=4}, {@code num_mini_batches=1},
 * {@code kl_coef=0.05}, {@code cliprange=0.2}, {@code cliprange_value=0.2}, {@code vf_coef=0.1},
 * {@code gamma=1.0}, {@code lam=0.95}, {@code whiten_rewards=false}, {@code response_length=53},
 * {@code temperature=0.7}, advantages always whitened. From transformers' {@code TrainingArguments}:
 * {@code per_device_train_batch_size=8}, {@code gradient_accumulation_steps=1},
 * {@code max_grad_norm=1.0}, AdamW betas 0.9/0.999, eps 1e-8, {@code num_train_epochs=3},
 * {@code seed=42}. From old TRL (0.11) and Ziegler et al. 2019: {@code adap_kl_ctrl=true},
 * {@code target=6}, {@code horizon=10000}, {@code ratio_threshold=10} (here {@code ratio_limit}),
 * {@code use_score_scaling}. Kaizen's own, for small models and for the complaints TRL users
 * have: scores normalised with the reward model's {@code reward_stats.json} and clipped to
 * {@code score_clip=5} standard units (reward hacking feeds on outliers), {@code missing_eos_penalty=1}
 * (TRL's docs recommend setting it; unbounded rambling is the classic hack), LoRA dropout 0 (dropout
 * makes the first ratio differ from 1), {@code kl_limit=20} nats per response (a guard rail:
 * the run stops and keeps its last good checkpoint instead of drifting silently),
 * {@code eval_steps=50} on held-out prompts keeping the best, {@code save_steps=50},
 * {@code max_prompt_length=512}, {@code max_length=1024}, no warmup. Evaluation answers greedily ({@code eval_greedy=true}: TRL's PPO trainer evaluates
 * at temperature 0.01, and a sampled evaluation's noise can pick a checkpoint by luck); the best checkpoint is the
 * one with the highest {@code metric_for_best_model} (transformers' name), {@code eval/scores} (the mean reward) by
 * default, or {@code eval/win_rate} (how often the answer beats the starting policy's answer to the same prompt).
 *
 * @param args the shared options under transformers' names: the learning rate (constant after
 *     {@code warmup_steps}, as TRL's PPO is over one run), AdamW, {@code max_grad_norm},
 *     {@code per_device_train_batch_size} (sequences per forward/backward), {@code gradient_accumulation_steps}
 *     (micro-batches per minibatch), {@code num_train_epochs} (passes over the prompts when {@code total_episodes}
 *     and {@code max_steps} are unset), {@code max_steps} (PPO iterations; overrides the episode count),
 *     {@code max_length} (most tokens of prompt and response), {@code eval_steps} (every this many iterations),
 *     {@code logging_steps}, {@code save_steps}, {@code save_total_limit}, {@code seed}, LoRA (policy only; the
 *     reference is the base with adapters off), {@code output_dir}, {@code resume}
 * @param numMiniBatches minibatches per rollout batch; a rollout batch holds
 *     {@code batchSize * gradientAccumulation * numMiniBatches} episodes
 * @param numPpoEpochs passes over each rollout batch
 * @param totalEpisodes episodes to train on (0: {@code epochs} times the prompts)
 * @param responseLength most tokens per response
 * @param maxPromptLength prompts longer than this keep their last tokens
 * @param temperature sampling temperature (log-probs use the same)
 * @param klCoef initial KL coefficient {@code beta}
 * @param adaptiveKl whether {@code beta} adapts ({@link KlController})
 * @param klTarget the adaptive controller's target KL
 * @param klHorizon the adaptive controller's horizon, in episodes
 * @param cliprange policy clip epsilon
 * @param cliprangeValue value clip epsilon
 * @param vfCoef weight of the value loss
 * @param gamma discount
 * @param lam GAE lambda
 * @param whitenAdvantages whiten advantages over the batch
 * @param whitenRewards whiten the per-token rewards over the batch (mean kept)
 * @param useScoreScaling normalise scores with the reward's {@link ai.kaizen.trainer.reward.RewardStats}
 * @param scoreClip clip normalised scores to +-this (0: no clipping)
 * @param missingEosPenalty subtracted from the score of responses that end without EOS (0: none)
 * @param klLimit stop when the mean KL per response (the non-negative k3 estimate, {@code objective/kl_k3})
 *     exceeds this (0: never)
 * @param ratioLimit stop when a minibatch's mean probability ratio exceeds this (0: never)
 * @param evalGreedy whether evaluation answers are greedy (else sampled at {@code temperature}, with a fixed seed)
 * @param metricForBestModel the evaluation metric the best checkpoint maximises: {@link #METRIC_SCORES},
 *     {@link #METRIC_WIN_RATE} or {@link TrainingEvaluation#METRIC_JUDGE} (with a judge given to the run)
 */
public record PpoConfig(TrainingArguments args, int numMiniBatches, int numPpoEpochs, long totalEpisodes,
        int responseLength, int maxPromptLength, double temperature, double klCoef, boolean adaptiveKl,
        double klTarget, double klHorizon, double cliprange, double cliprangeValue, double vfCoef, double gamma,
        double lam, boolean whitenAdvantages, boolean whitenRewards, boolean useScoreScaling, double scoreClip,
        double missingEosPenalty, double klLimit, double ratioLimit, boolean evalGreedy, String metricForBestModel) {

    /** Best checkpoint by the mean evaluation reward. */
    public static final String METRIC_SCORES = TrainingEvaluation.METRIC_SCORES;
    /** Best checkpoint by the win rate over the starting policy's answers, as judged by the reward. */
    public static final String METRIC_WIN_RATE = TrainingEvaluation.METRIC_WIN_RATE;

    /** Validates. */
    public PpoConfig {
        require(args != null, "training arguments are required");
        require(numMiniBatches > 0, "num_mini_batches must be positive");
        require(numPpoEpochs > 0, "num_ppo_epochs must be positive");
        require(args.maxSteps() > 0 || totalEpisodes > 0 || args.epochs() > 0,
                "set max_steps, total_episodes or num_train_epochs");
        require(responseLength > 0 && maxPromptLength > 0, "response_length and max_prompt_length must be positive");
        require(args.maxLength() > responseLength, "max_length (" + args.maxLength() + ") must exceed "
                + "response_length (" + responseLength + "): it bounds prompt and response");
        require(temperature > 0, "temperature must be positive");
        require(cliprange > 0 && cliprangeValue > 0, "cliprange and cliprange_value must be positive");
        require(vfCoef >= 0, "vf_coef must be >= 0");
        require(gamma >= 0 && gamma <= 1 && lam >= 0 && lam <= 1, "gamma and lam must be in [0, 1]");
        require(scoreClip >= 0 && missingEosPenalty >= 0, "score_clip and missing_eos_penalty must be >= 0");
        require(klLimit >= 0 && ratioLimit >= 0, "kl_limit and ratio_limit must be >= 0");
        TrainingEvaluation.checkMetric(metricForBestModel);
        new KlController(klCoef, adaptiveKl, klTarget, klHorizon); // validates the controller's options
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** LoRA for PPO: TRL's rank/alpha/targets, dropout off (see the class comment). */
    public static final LoraSettings LORA_DEFAULT = new LoraSettings(16, 32, 0.0, List.of("q_proj", "v_proj"), true);

    /**
     * @param outputDir the output directory
     * @return the defaults (see the class comment), full fine-tuning
     */
    public static PpoConfig defaults(Path outputDir) {
        return new PpoConfig(new TrainingArguments(3e-6, AdamW.Hyper.DEFAULT, 0, -1, 3, 8, 1, 1.0, 1024, 50, 8, 1, 50,
                2, 42, null, outputDir, false), 1, 4, 0, 53, 512, 0.7, 0.05, true, 6, 10000, 0.2, 0.2, 0.1, 1.0,
                0.95, true, false, true, 5, 1.0, 20, 10, true, METRIC_SCORES);
    }

    /** @return episodes per PPO iteration (rollout batch) */
    public int rolloutBatchSize() {
        return miniBatchSize() * numMiniBatches;
    }

    /** @return episodes per optimizer update */
    public int miniBatchSize() {
        return args.effectiveBatchSize();
    }

    /**
     * @param prompts training prompts available
     * @return PPO iterations the run takes
     */
    public long totalSteps(int prompts) {
        if (args.maxSteps() > 0) {
            return args.maxSteps();
        }
        long episodes = totalEpisodes > 0 ? totalEpisodes : (long) Math.ceil(args.epochs() * prompts);
        return Math.max(1, (episodes + rolloutBatchSize() - 1) / rolloutBatchSize()); // TRL rounds up too
    }

    /** @return the KL controller at the start of a run */
    public KlController klController() {
        return new KlController(klCoef, adaptiveKl, klTarget, klHorizon);
    }

    /**
     * Reads a JSON file of TRL-named options over the defaults.
     *
     * @param file the file
     * @param outputDir used when the file names no {@code output_dir}
     * @return the configuration
     */
    public static PpoConfig read(Path file, Path outputDir) {
        return fromJson(Json.readObject(file), defaults(outputDir));
    }

    /**
     * Applies TRL-named options to a base configuration: those of {@link TrainingArguments} and {@code
     * num_mini_batches, num_ppo_epochs, total_episodes, response_length, max_prompt_length, temperature, kl_coef,
     * adap_kl_ctrl, target, horizon, cliprange, cliprange_value, vf_coef, gamma, lam, whiten_advantages,
     * whiten_rewards, use_score_scaling, score_clip, missing_eos_penalty, kl_limit, ratio_limit, eval_greedy,
     * metric_for_best_model}. An unknown key is an error.
     *
     * @param json the options
     * @param base values of keys not given
     * @return the configuration
     */
    public static PpoConfig fromJson(JsonObject json, PpoConfig base) {
        return parse(TrainingArguments.overlay(base.toJson(), json, "PPO"));
    }

    private static PpoConfig parse(JsonObject o) {
        return new PpoConfig(TrainingArguments.from(o, LORA_DEFAULT), i(o, "num_mini_batches"),
                i(o, "num_ppo_epochs"), o.get("total_episodes").getAsLong(), i(o, "response_length"),
                i(o, "max_prompt_length"), d(o, "temperature"), d(o, "kl_coef"), o.get("adap_kl_ctrl").getAsBoolean(),
                d(o, "target"), d(o, "horizon"), d(o, "cliprange"), d(o, "cliprange_value"), d(o, "vf_coef"),
                d(o, "gamma"), d(o, "lam"), o.get("whiten_advantages").getAsBoolean(),
                o.get("whiten_rewards").getAsBoolean(), o.get("use_score_scaling").getAsBoolean(), d(o, "score_clip"),
                d(o, "missing_eos_penalty"), d(o, "kl_limit"), d(o, "ratio_limit"), o.get("eval_greedy").getAsBoolean(),
                o.get("metric_for_best_model").getAsString());
    }

    private static double d(JsonObject o, String key) {
        return o.get(key).getAsDouble();
    }

    private static int i(JsonObject o, String key) {
        return o.get(key).getAsInt();
    }

    /** @return this configuration as TRL-named JSON ({@link #fromJson} reads it back) */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        args.addTo(o);
        o.addProperty("num_mini_batches", numMiniBatches);
        o.addProperty("num_ppo_epochs", numPpoEpochs);
        o.addProperty("total_episodes", totalEpisodes);
        o.addProperty("response_length", responseLength);
        o.addProperty("max_prompt_length", maxPromptLength);
        o.addProperty("temperature", temperature);
        o.addProperty("kl_coef", klCoef);
        o.addProperty("adap_kl_ctrl", adaptiveKl);
        o.addProperty("target", klTarget);
        o.addProperty("horizon", klHorizon);
        o.addProperty("cliprange", cliprange);
        o.addProperty("cliprange_value", cliprangeValue);
        o.addProperty("vf_coef", vfCoef);
        o.addProperty("gamma", gamma);
        o.addProperty("lam", lam);
        o.addProperty("whiten_advantages", whitenAdvantages);
        o.addProperty("whiten_rewards", whitenRewards);
        o.addProperty("use_score_scaling", useScoreScaling);
        o.addProperty("score_clip", scoreClip);
        o.addProperty("missing_eos_penalty", missingEosPenalty);
        o.addProperty("kl_limit", klLimit);
        o.addProperty("ratio_limit", ratioLimit);
        o.addProperty("eval_greedy", evalGreedy);
        o.addProperty("metric_for_best_model", metricForBestModel);
        return o;
    }

    /**
     * @param changes TRL-named options to change
     * @return a copy with them applied
     */
    public PpoConfig with(JsonObject changes) {
        return fromJson(changes, this);
    }
}
