package ai.kaizen.trainer.training;

import ai.kaizen.trainer.optim.AdamW;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The options every trainer shares (transformers' {@code TrainingArguments}, TRL's {@code _BaseConfig}, plus TRL's
 * PEFT options), under TRL's names. Each method's configuration ({@code SftConfig}, {@code RewardConfig},
 * {@code DpoConfig}, {@code KtoConfig}, {@code PpoConfig}, {@code RlooConfig}, {@code GrpoConfig}) holds one of these
 * with its own defaults plus the method's options, and reads both from one flat JSON object
 * ({@link #overlay}, {@link #from}).
 *
 * <p>The learning rate follows a linear warmup of {@code warmup_steps}, then the method's schedule (a cosine decay
 * to zero, except for PPO, whose rate then stays constant).
 *
 * <p>LoRA: {@code use_peft} switches it on; {@code lora_r}, {@code lora_alpha}, {@code lora_dropout},
 * {@code lora_target_modules} and {@code merge_lora} (also write the merged model beside the adapters) default to
 * the method's {@link LoraSettings} and are written only when LoRA is on. Dropout is off while the preference
 * trainers train (TRL's {@code disable_dropout=True}): a pair's two answers, and DPO's policy and reference, must be
 * scored by the same function.
 *
 * @param learningRate peak learning rate
 * @param adam AdamW hyper-parameters
 * @param warmupSteps updates of linear warmup before the cosine decay
 * @param maxSteps updates to run; if positive it overrides {@code epochs}
 * @param epochs passes over the training pairs when {@code maxSteps <= 0}
 * @param batchSize examples (pairs, sequences) per micro-batch ({@code per_device_train_batch_size})
 * @param gradientAccumulation micro-batches per optimizer update
 * @param maxGradNorm global L2 norm gradients are clipped to; 0 disables clipping
 * @param maxLength tokens per sequence (prompt and answer); longer ones are cut at the end
 * @param evalSteps evaluate every this many updates (0: only at the end)
 * @param evalBatchSize pairs per evaluation batch
 * @param loggingSteps append a training line to {@code metrics.jsonl} every this many updates
 * @param saveSteps write a checkpoint every this many updates (0: never)
 * @param saveTotalLimit checkpoints kept, newest first (0: all)
 * @param seed seeds shuffling, LoRA and head initialisation
 * @param lora LoRA options, or null for full fine-tuning
 * @param outputDir where checkpoints, metrics and the final model go
 * @param resume continue from the newest checkpoint in {@code outputDir} if there is one
 */
public record TrainingArguments(double learningRate, AdamW.Hyper adam, int warmupSteps, int maxSteps, double epochs,
        int batchSize, int gradientAccumulation, double maxGradNorm, int maxLength, int evalSteps,
        int evalBatchSize, int loggingSteps, int saveSteps, int saveTotalLimit, long seed, LoraSettings lora,
        Path outputDir, boolean resume) {

    /** Validates. */
    public TrainingArguments {
        require(learningRate > 0, "learning_rate must be positive");
        require(warmupSteps >= 0, "warmup_steps must be >= 0");
        require(maxSteps > 0 || epochs > 0, "set max_steps or num_train_epochs");
        require(batchSize > 0 && evalBatchSize > 0, "batch sizes must be positive");
        require(gradientAccumulation > 0, "gradient_accumulation_steps must be positive");
        require(maxGradNorm >= 0, "max_grad_norm must be >= 0");
        require(maxLength > 1, "max_length must be > 1");
        require(evalSteps >= 0 && loggingSteps > 0 && saveSteps >= 0 && saveTotalLimit >= 0,
                "eval_steps, save_steps, save_total_limit must be >= 0 and logging_steps > 0");
        require(outputDir != null, "output_dir is required");
        require(adam != null, "adam hyper-parameters are required");
    }

    /** The options that only exist when LoRA is on ({@code use_peft}); {@link #overlay} accepts them always. */
    public static final List<String> LORA_KEYS = List.of("lora_r", "lora_alpha", "lora_dropout",
            "lora_target_modules", "merge_lora");

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** @return whether LoRA adapters are trained instead of the whole model */
    public boolean usesLora() {
        return lora != null;
    }

    /** @return pairs per optimizer update */
    public int effectiveBatchSize() {
        return batchSize * gradientAccumulation;
    }

    /**
     * @param pairs training pairs
     * @return the optimizer updates the run takes
     */
    public long totalSteps(int pairs) {
        if (maxSteps > 0) {
            return maxSteps;
        }
        long batches = (pairs + batchSize - 1) / batchSize;
        return Math.max(1, (long) Math.ceil(epochs * batches / gradientAccumulation));
    }

    /**
     * Writes every option under its TRL name (the LoRA ones when LoRA is on).
     *
     * @param o the object to add to
     */
    public void addTo(JsonObject o) {
        o.addProperty("learning_rate", learningRate);
        o.addProperty("adam_beta1", adam.beta1());
        o.addProperty("adam_beta2", adam.beta2());
        o.addProperty("adam_epsilon", adam.epsilon());
        o.addProperty("weight_decay", adam.weightDecay());
        o.addProperty("warmup_steps", warmupSteps);
        o.addProperty("max_steps", maxSteps);
        o.addProperty("num_train_epochs", epochs);
        o.addProperty("per_device_train_batch_size", batchSize);
        o.addProperty("per_device_eval_batch_size", evalBatchSize);
        o.addProperty("gradient_accumulation_steps", gradientAccumulation);
        o.addProperty("max_grad_norm", maxGradNorm);
        o.addProperty("max_length", maxLength);
        o.addProperty("eval_steps", evalSteps);
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
    }

    /**
     * Reads the options from an object holding every key {@link #addTo} writes (LoRA's may be missing).
     *
     * @param o the options
     * @param loraDefaults the method's LoRA options, for keys {@code o} does not give
     * @return the arguments
     */
    public static TrainingArguments from(JsonObject o, LoraSettings loraDefaults) {
        LoraSettings lora = o.get("use_peft").getAsBoolean() ? LoraSettings.read(o, loraDefaults) : null;
        return new TrainingArguments(o.get("learning_rate").getAsDouble(),
                new AdamW.Hyper(o.get("adam_beta1").getAsDouble(), o.get("adam_beta2").getAsDouble(),
                        o.get("adam_epsilon").getAsDouble(), o.get("weight_decay").getAsDouble()),
                o.get("warmup_steps").getAsInt(), o.get("max_steps").getAsInt(),
                o.get("num_train_epochs").getAsDouble(), o.get("per_device_train_batch_size").getAsInt(),
                o.get("gradient_accumulation_steps").getAsInt(), o.get("max_grad_norm").getAsDouble(),
                o.get("max_length").getAsInt(), o.get("eval_steps").getAsInt(),
                o.get("per_device_eval_batch_size").getAsInt(), o.get("logging_steps").getAsInt(),
                o.get("save_steps").getAsInt(), o.get("save_total_limit").getAsInt(), o.get("seed").getAsLong(),
                lora, Path.of(o.get("output_dir").getAsString()), o.get("resume").getAsBoolean());
    }

    /**
     * {@link #from(JsonObject, LoraSettings)} with TRL's LoRA defaults.
     *
     * @param o the options
     * @return the arguments
     */
    public static TrainingArguments from(JsonObject o) {
        return from(o, LoraSettings.DEFAULT);
    }

    /** @return whether a LoRA run also writes the merged model beside the adapters */
    public boolean mergesLora() {
        return lora != null && lora.mergeIntoOutput();
    }

    /** @param dir the output directory @return a copy */
    public TrainingArguments withOutputDir(Path dir) {
        return new TrainingArguments(learningRate, adam, warmupSteps, maxSteps, epochs, batchSize, gradientAccumulation,
                maxGradNorm, maxLength, evalSteps, evalBatchSize, loggingSteps, saveSteps, saveTotalLimit, seed, lora,
                dir, resume);
    }

    /** @param value whether to resume from the newest checkpoint @return a copy */
    public TrainingArguments withResume(boolean value) {
        return new TrainingArguments(learningRate, adam, warmupSteps, maxSteps, epochs, batchSize, gradientAccumulation,
                maxGradNorm, maxLength, evalSteps, evalBatchSize, loggingSteps, saveSteps, saveTotalLimit, seed, lora,
                outputDir, value);
    }

    /** @param steps updates to run @return a copy */
    public TrainingArguments withMaxSteps(int steps) {
        return new TrainingArguments(learningRate, adam, warmupSteps, steps, epochs, batchSize, gradientAccumulation,
                maxGradNorm, maxLength, evalSteps, evalBatchSize, loggingSteps, saveSteps, saveTotalLimit, seed, lora,
                outputDir, resume);
    }

    /** @param settings LoRA options, or null for full fine-tuning @return a copy */
    public TrainingArguments withLora(LoraSettings settings) {
        return new TrainingArguments(learningRate, adam, warmupSteps, maxSteps, epochs, batchSize, gradientAccumulation,
                maxGradNorm, maxLength, evalSteps, evalBatchSize, loggingSteps, saveSteps, saveTotalLimit, seed,
                settings, outputDir, resume);
    }

    /**
     * Lays user options over a complete set of defaults: every user key must be one the defaults
     * have, or a LoRA option (a typo should not silently train with a default).
     *
     * @param defaults every option with its value ({@code toJson()} of a configuration)
     * @param options the user's options
     * @param what the configuration's name, for the error message
     * @return the merged options
     */
    public static JsonObject overlay(JsonObject defaults, JsonObject options, String what) {
        JsonObject merged = defaults.deepCopy();
        for (Map.Entry<String, JsonElement> e : options.entrySet()) {
            if (!merged.has(e.getKey()) && !LORA_KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("Unknown " + what + " option '" + e.getKey() + "'");
            }
            merged.add(e.getKey(), e.getValue());
        }
        return merged;
    }
}
