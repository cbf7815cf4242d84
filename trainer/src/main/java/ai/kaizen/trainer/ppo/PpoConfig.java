package ai.kaizen.trainer.ppo;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.online.TrainingEvaluation;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.LoraSettings;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
 * {@code max_prompt_length=512}. Evaluation answers greedily ({@code eval_greedy=true}: TRL's PPO trainer evaluates
 * at temperature 0.01, and a sampled evaluation's noise can pick a checkpoint by luck); the best checkpoint is the
 * one with the highest {@code metric_for_best_model} (transformers' name), {@code eval/scores} (the mean reward) by
 * default, or {@code eval/win_rate} (how often the answer beats the starting policy's answer to the same prompt).
 *
 * @param learningRate AdamW learning rate (constant, as TRL's PPO default scheduler is over one run)
 * @param adam AdamW hyper-parameters
 * @param maxGradNorm global gradient-norm clip (0: none)
 * @param batchSize {@code per_device_train_batch_size}: sequences per forward/backward
 * @param gradientAccumulation micro-batches per minibatch
 * @param numMiniBatches minibatches per rollout batch; a rollout batch holds
 *     {@code batchSize * gradientAccumulation * numMiniBatches} episodes
 * @param numPpoEpochs passes over each rollout batch
 * @param totalEpisodes episodes to train on (0: {@code epochs} times the prompts)
 * @param epochs passes over the prompts when {@code totalEpisodes} and {@code maxSteps} are unset
 * @param maxSteps PPO iterations to run; if positive it overrides the episode count
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
 * @param evalSteps evaluate on held-out prompts every this many iterations (0: only at the end)
 * @param evalBatchSize prompts per evaluation generation batch
 * @param evalGreedy whether evaluation answers are greedy (else sampled at {@code temperature}, with a fixed seed)
 * @param metricForBestModel the evaluation metric the best checkpoint maximises: {@link #METRIC_SCORES} or
 *     {@link #METRIC_WIN_RATE}
 * @param loggingSteps a metrics line every this many iterations
 * @param saveSteps a checkpoint every this many iterations (0: never)
 * @param saveTotalLimit checkpoints kept (0: all)
 * @param seed seeds sampling, shuffling and LoRA initialisation
 * @param lora LoRA options (policy only; the reference is the base with adapters off), or null
 * @param outputDir where checkpoints, metrics and the final model go
 * @param resume continue from the newest checkpoint in {@code outputDir}
 */
public record PpoConfig(double learningRate, AdamW.Hyper adam, double maxGradNorm, int batchSize,
        int gradientAccumulation, int numMiniBatches, int numPpoEpochs, long totalEpisodes, double epochs,
        int maxSteps, int responseLength, int maxPromptLength, double temperature, double klCoef,
        boolean adaptiveKl, double klTarget, double klHorizon, double cliprange, double cliprangeValue,
        double vfCoef, double gamma, double lam, boolean whitenAdvantages, boolean whitenRewards,
        boolean useScoreScaling, double scoreClip, double missingEosPenalty, double klLimit, double ratioLimit,
        int evalSteps, int evalBatchSize, boolean evalGreedy, String metricForBestModel, int loggingSteps,
        int saveSteps, int saveTotalLimit, long seed, LoraSettings lora, Path outputDir, boolean resume) {

    /** Best checkpoint by the mean evaluation reward. */
    public static final String METRIC_SCORES = TrainingEvaluation.METRIC_SCORES;
    /** Best checkpoint by the win rate over the starting policy's answers, as judged by the reward. */
    public static final String METRIC_WIN_RATE = TrainingEvaluation.METRIC_WIN_RATE;

    /** Validates. */
    public PpoConfig {
        require(learningRate > 0, "learning_rate must be positive");
        require(maxGradNorm >= 0, "max_grad_norm must be >= 0");
        require(batchSize > 0 && gradientAccumulation > 0 && numMiniBatches > 0 && evalBatchSize > 0,
                "batch sizes, gradient_accumulation_steps and num_mini_batches must be positive");
        require(numPpoEpochs > 0, "num_ppo_epochs must be positive");
        require(maxSteps > 0 || totalEpisodes > 0 || epochs > 0, "set max_steps, total_episodes or num_train_epochs");
        require(responseLength > 0 && maxPromptLength > 0, "response_length and max_prompt_length must be positive");
        require(temperature > 0, "temperature must be positive");
        require(cliprange > 0 && cliprangeValue > 0, "cliprange and cliprange_value must be positive");
        require(vfCoef >= 0, "vf_coef must be >= 0");
        require(gamma >= 0 && gamma <= 1 && lam >= 0 && lam <= 1, "gamma and lam must be in [0, 1]");
        require(scoreClip >= 0 && missingEosPenalty >= 0, "score_clip and missing_eos_penalty must be >= 0");
        require(klLimit >= 0 && ratioLimit >= 0, "kl_limit and ratio_limit must be >= 0");
        require(evalSteps >= 0 && loggingSteps > 0 && saveSteps >= 0 && saveTotalLimit >= 0,
                "eval_steps, save_steps, save_total_limit must be >= 0 and logging_steps > 0");
        require(METRIC_SCORES.equals(metricForBestModel) || METRIC_WIN_RATE.equals(metricForBestModel),
                "metric_for_best_model must be " + METRIC_SCORES + " or " + METRIC_WIN_RATE);
        require(outputDir != null, "output_dir is required");
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
        return new PpoConfig(3e-6, AdamW.Hyper.DEFAULT, 1.0, 8, 1, 1, 4, 0, 3, -1, 53, 512, 0.7, 0.05, true, 6,
                10000, 0.2, 0.2, 0.1, 1.0, 0.95, true, false, true, 5, 1.0, 20, 10, 50, 8, true, METRIC_SCORES, 1, 50,
                2, 42, null, outputDir, false);
    }

    /** @return episodes per PPO iteration (rollout batch) */
    public int rolloutBatchSize() {
        return miniBatchSize() * numMiniBatches;
    }

    /** @return episodes per optimizer update */
    public int miniBatchSize() {
        return batchSize * gradientAccumulation;
    }

    /** @return whether LoRA adapters are trained instead of the whole policy */
    public boolean usesLora() {
        return lora != null;
    }

    /**
     * @param prompts training prompts available
     * @return PPO iterations the run takes
     */
    public long totalSteps(int prompts) {
        if (maxSteps > 0) {
            return maxSteps;
        }
        long episodes = totalEpisodes > 0 ? totalEpisodes : (long) Math.ceil(epochs * prompts);
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
     * Applies TRL-named options to a base configuration. Known keys: {@code learning_rate,
     * adam_beta1, adam_beta2, adam_epsilon, weight_decay, max_grad_norm, per_device_train_batch_size,
     * gradient_accumulation_steps, num_mini_batches, num_ppo_epochs, total_episodes,
     * num_train_epochs, max_steps, response_length, max_prompt_length, temperature, kl_coef,
     * adap_kl_ctrl, target, horizon, cliprange, cliprange_value, vf_coef, gamma, lam,
     * whiten_advantages, whiten_rewards, use_score_scaling, score_clip, missing_eos_penalty,
     * kl_limit, ratio_limit, eval_steps, per_device_eval_batch_size, eval_greedy, metric_for_best_model,
     * logging_steps, save_steps,
     * save_total_limit, seed, output_dir, resume, use_peft, lora_r, lora_alpha, lora_dropout,
     * lora_target_modules, merge_lora}. An unknown key is an error.
     *
     * @param json the options
     * @param base values of keys not given
     * @return the configuration
     */
    public static PpoConfig fromJson(JsonObject json, PpoConfig base) {
        JsonObject merged = base.toJson();
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            if (!merged.has(e.getKey()) && !LORA_KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("Unknown PPO option '" + e.getKey() + "'");
            }
            merged.add(e.getKey(), e.getValue());
        }
        return parse(merged);
    }

    private static final List<String> LORA_KEYS = List.of("lora_r", "lora_alpha", "lora_dropout",
            "lora_target_modules", "merge_lora");

    private static PpoConfig parse(JsonObject o) {
        LoraSettings lora = o.get("use_peft").getAsBoolean() ? LoraSettings.read(o, LORA_DEFAULT) : null;
        return new PpoConfig(d(o, "learning_rate"),
                new AdamW.Hyper(d(o, "adam_beta1"), d(o, "adam_beta2"), d(o, "adam_epsilon"), d(o, "weight_decay")),
                d(o, "max_grad_norm"), i(o, "per_device_train_batch_size"), i(o, "gradient_accumulation_steps"),
                i(o, "num_mini_batches"), i(o, "num_ppo_epochs"), o.get("total_episodes").getAsLong(),
                d(o, "num_train_epochs"), i(o, "max_steps"), i(o, "response_length"), i(o, "max_prompt_length"),
                d(o, "temperature"), d(o, "kl_coef"), o.get("adap_kl_ctrl").getAsBoolean(), d(o, "target"),
                d(o, "horizon"), d(o, "cliprange"), d(o, "cliprange_value"), d(o, "vf_coef"), d(o, "gamma"),
                d(o, "lam"), o.get("whiten_advantages").getAsBoolean(), o.get("whiten_rewards").getAsBoolean(),
                o.get("use_score_scaling").getAsBoolean(), d(o, "score_clip"), d(o, "missing_eos_penalty"),
                d(o, "kl_limit"), d(o, "ratio_limit"), i(o, "eval_steps"), i(o, "per_device_eval_batch_size"),
                o.get("eval_greedy").getAsBoolean(), o.get("metric_for_best_model").getAsString(),
                i(o, "logging_steps"), i(o, "save_steps"), i(o, "save_total_limit"), o.get("seed").getAsLong(), lora,
                Path.of(o.get("output_dir").getAsString()), o.get("resume").getAsBoolean());
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
        o.addProperty("learning_rate", learningRate);
        o.addProperty("adam_beta1", adam.beta1());
        o.addProperty("adam_beta2", adam.beta2());
        o.addProperty("adam_epsilon", adam.epsilon());
        o.addProperty("weight_decay", adam.weightDecay());
        o.addProperty("max_grad_norm", maxGradNorm);
        o.addProperty("per_device_train_batch_size", batchSize);
        o.addProperty("gradient_accumulation_steps", gradientAccumulation);
        o.addProperty("num_mini_batches", numMiniBatches);
        o.addProperty("num_ppo_epochs", numPpoEpochs);
        o.addProperty("total_episodes", totalEpisodes);
        o.addProperty("num_train_epochs", epochs);
        o.addProperty("max_steps", maxSteps);
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
        o.addProperty("eval_steps", evalSteps);
        o.addProperty("per_device_eval_batch_size", evalBatchSize);
        o.addProperty("eval_greedy", evalGreedy);
        o.addProperty("metric_for_best_model", metricForBestModel);
        o.addProperty("logging_steps", loggingSteps);
        o.addProperty("save_steps", saveSteps);
        o.addProperty("save_total_limit", saveTotalLimit);
        o.addProperty("seed", seed);
        o.addProperty("output_dir", outputDir.toString());
        o.addProperty("resume", resume);
        o.addProperty("use_peft", lora != null);
        if (lora != null) {
            lora.writeTo(o);
        }
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
