package ai.kaizen.trainer.sft;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.LoraSettings;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything an SFT run needs to know, in one immutable object (TRL's {@code SFTConfig}). JSON
 * files use TRL's argument names ({@code learning_rate}, {@code per_device_train_batch_size},
 * ...); see {@link #fromJson}.
 *
 * <p>Defaults ({@link #defaults}) follow TRL/transformers unless noted: {@code learning_rate=2e-5},
 * {@code num_train_epochs=3}, {@code per_device_train_batch_size=8},
 * {@code gradient_accumulation_steps=1}, {@code max_grad_norm=1.0}, {@code max_length=1024},
 * AdamW betas 0.9/0.999, eps 1e-8, {@code weight_decay=0}, {@code logging_steps=10},
 * {@code save_steps=500}, {@code seed=42}. Kaizen's differences, for small models on a CPU: a
 * cosine schedule after {@code warmup_steps=10} (TRL's default scheduler is linear, without
 * warmup), two checkpoints kept, evaluation every 100 steps and early stopping after 3 evaluations without
 * improvement (TRL evaluates only when asked; {@code EarlyStoppingCallback}'s patience is 1, too
 * jumpy for small eval sets), and the best model restored at the end.
 *
 * @param learningRate peak learning rate
 * @param adam AdamW hyper-parameters (betas, epsilon, decoupled weight decay)
 * @param warmupSteps updates of linear warmup before the cosine decay
 * @param maxSteps updates to run; if positive it overrides {@code epochs}
 * @param epochs passes over the training set when {@code maxSteps <= 0}
 * @param batchSize examples per micro-batch
 * @param gradientAccumulation micro-batches per optimizer update
 * @param maxGradNorm global L2 norm gradients are clipped to; 0 disables clipping
 * @param maxLength tokens per example; longer ones are cut at the end
 * @param evalSteps evaluate every this many updates (0: only at the end)
 * @param evalBatchSize examples per evaluation batch
 * @param earlyStoppingPatience stop after this many evaluations without improvement (0: never)
 * @param loadBestAtEnd restore the weights of the best evaluation before saving the output
 * @param loggingSteps append a training line to {@code metrics.jsonl} every this many updates
 * @param saveSteps write a checkpoint every this many updates (0: never)
 * @param saveTotalLimit checkpoints kept on disk, newest first (0: all)
 * @param seed seeds shuffling, LoRA initialisation and dropout
 * @param lora LoRA options, or null for full fine-tuning
 * @param outputDir where checkpoints, metrics and the final model go
 * @param resume continue from the newest checkpoint in {@code outputDir} if there is one
 */
public record SftConfig(double learningRate, AdamW.Hyper adam, int warmupSteps, int maxSteps, double epochs,
        int batchSize, int gradientAccumulation, double maxGradNorm, int maxLength, int evalSteps,
        int evalBatchSize, int earlyStoppingPatience, boolean loadBestAtEnd, int loggingSteps, int saveSteps,
        int saveTotalLimit, long seed, LoraSettings lora, Path outputDir, boolean resume) {

    /** Validates. */
    public SftConfig {
        require(learningRate > 0, "learning_rate must be positive");
        require(warmupSteps >= 0, "warmup_steps must be >= 0");
        require(maxSteps > 0 || epochs > 0, "set max_steps or num_train_epochs");
        require(batchSize > 0 && evalBatchSize > 0, "batch sizes must be positive");
        require(gradientAccumulation > 0, "gradient_accumulation_steps must be positive");
        require(maxGradNorm >= 0, "max_grad_norm must be >= 0");
        require(maxLength > 1, "max_length must be > 1");
        require(evalSteps >= 0 && loggingSteps > 0 && saveSteps >= 0 && saveTotalLimit >= 0,
                "eval_steps, save_steps, save_total_limit must be >= 0 and logging_steps > 0");
        require(earlyStoppingPatience >= 0, "early_stopping_patience must be >= 0");
        require(outputDir != null, "output_dir is required");
        require(adam != null, "adam hyper-parameters are required");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * @param outputDir the output directory
     * @return the defaults (see the class comment), full fine-tuning
     */
    public static SftConfig defaults(Path outputDir) {
        return new SftConfig(2e-5, AdamW.Hyper.DEFAULT, 10, -1, 3, 8, 1, 1.0, 1024, 100, 8, 3, true, 10, 500, 2,
                42, null, outputDir, false);
    }

    /** @return the number of examples per optimizer update */
    public int effectiveBatchSize() {
        return batchSize * gradientAccumulation;
    }

    /** @return whether LoRA adapters are trained instead of the whole model */
    public boolean usesLora() {
        return lora != null;
    }

    /**
     * Reads a JSON file of TRL-named options over the defaults (see {@link #fromJson}).
     *
     * @param file the file
     * @param outputDir used when the file names no {@code output_dir}
     * @return the configuration
     */
    public static SftConfig read(Path file, Path outputDir) {
        return fromJson(Json.readObject(file), defaults(outputDir));
    }

    /**
     * Applies TRL-named options to a base configuration. Known keys: {@code learning_rate,
     * adam_beta1, adam_beta2, adam_epsilon, weight_decay, warmup_steps, max_steps, num_train_epochs,
     * per_device_train_batch_size, per_device_eval_batch_size, gradient_accumulation_steps,
     * max_grad_norm, max_length, eval_steps, early_stopping_patience, load_best_model_at_end,
     * logging_steps, save_steps, save_total_limit, seed, output_dir, resume, use_peft, lora_r,
     * lora_alpha, lora_dropout, lora_target_modules, merge_lora}. An unknown key is an error (a typo
     * should not silently train with a default).
     *
     * @param json the options
     * @param base the values of keys not given
     * @return the configuration
     */
    public static SftConfig fromJson(JsonObject json, SftConfig base) {
        Builder b = new Builder(base);
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            JsonElement v = e.getValue();
            switch (e.getKey()) {
                case "learning_rate" -> b.learningRate = v.getAsDouble();
                case "adam_beta1" -> b.beta1 = v.getAsDouble();
                case "adam_beta2" -> b.beta2 = v.getAsDouble();
                case "adam_epsilon" -> b.epsilon = v.getAsDouble();
                case "weight_decay" -> b.weightDecay = v.getAsDouble();
                case "warmup_steps" -> b.warmupSteps = v.getAsInt();
                case "max_steps" -> b.maxSteps = v.getAsInt();
                case "num_train_epochs" -> b.epochs = v.getAsDouble();
                case "per_device_train_batch_size" -> b.batchSize = v.getAsInt();
                case "per_device_eval_batch_size" -> b.evalBatchSize = v.getAsInt();
                case "gradient_accumulation_steps" -> b.gradientAccumulation = v.getAsInt();
                case "max_grad_norm" -> b.maxGradNorm = v.getAsDouble();
                case "max_length" -> b.maxLength = v.getAsInt();
                case "eval_steps" -> b.evalSteps = v.getAsInt();
                case "early_stopping_patience" -> b.patience = v.getAsInt();
                case "load_best_model_at_end" -> b.loadBestAtEnd = v.getAsBoolean();
                case "logging_steps" -> b.loggingSteps = v.getAsInt();
                case "save_steps" -> b.saveSteps = v.getAsInt();
                case "save_total_limit" -> b.saveTotalLimit = v.getAsInt();
                case "seed" -> b.seed = v.getAsLong();
                case "output_dir" -> b.outputDir = Path.of(v.getAsString());
                case "resume" -> b.resume = v.getAsBoolean();
                case "use_peft" -> b.usePeft = v.getAsBoolean();
                case "lora_r" -> b.loraRank = v.getAsInt();
                case "lora_alpha" -> b.loraAlpha = v.getAsDouble();
                case "lora_dropout" -> b.loraDropout = v.getAsDouble();
                case "lora_target_modules" -> {
                    List<String> targets = new ArrayList<>();
                    for (JsonElement t : v.getAsJsonArray()) {
                        targets.add(t.getAsString());
                    }
                    b.loraTargets = targets;
                }
                case "merge_lora" -> b.mergeLora = v.getAsBoolean();
                default -> throw new IllegalArgumentException("Unknown SFT option '" + e.getKey() + "'");
            }
        }
        return b.build();
    }

    /** @return this configuration as TRL-named JSON (written beside checkpoints; {@link #fromJson} reads it) */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
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
        o.addProperty("early_stopping_patience", earlyStoppingPatience);
        o.addProperty("load_best_model_at_end", loadBestAtEnd);
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

    /** @param settings LoRA options, or null for full fine-tuning @return a copy */
    public SftConfig withLora(LoraSettings settings) {
        Builder b = new Builder(this);
        b.usePeft = settings != null;
        if (settings != null) {
            b.loraRank = settings.rank();
            b.loraAlpha = settings.alpha();
            b.loraDropout = settings.dropout();
            b.loraTargets = settings.targetModules();
            b.mergeLora = settings.mergeIntoOutput();
        }
        return b.build();
    }

    /**
     * @param examples training examples
     * @return optimizer steps a run over them takes ({@code max_steps} when set; examples dropped by
     *     tokenisation aside), for progress bars and ETAs
     */
    public long totalSteps(int examples) {
        if (maxSteps() > 0) {
            return maxSteps();
        }
        long batches = (examples + batchSize() - 1) / batchSize();
        long perEpoch = Math.max(1, (batches + gradientAccumulation() - 1) / gradientAccumulation());
        return (long) Math.ceil(perEpoch * epochs());
    }

    /** @param max updates to run @return a copy */
    public SftConfig withMaxSteps(int max) {
        Builder b = new Builder(this);
        b.maxSteps = max;
        return b.build();
    }

    /** @param dir the output directory @return a copy */
    public SftConfig withOutputDir(Path dir) {
        Builder b = new Builder(this);
        b.outputDir = dir;
        return b.build();
    }

    /** @param value whether to resume @return a copy */
    public SftConfig withResume(boolean value) {
        Builder b = new Builder(this);
        b.resume = value;
        return b.build();
    }

    /** Mutable twin used by the JSON reader and the {@code with} methods. */
    private static final class Builder {
        double learningRate;
        double beta1;
        double beta2;
        double epsilon;
        double weightDecay;
        int warmupSteps;
        int maxSteps;
        double epochs;
        int batchSize;
        int evalBatchSize;
        int gradientAccumulation;
        double maxGradNorm;
        int maxLength;
        int evalSteps;
        int patience;
        boolean loadBestAtEnd;
        int loggingSteps;
        int saveSteps;
        int saveTotalLimit;
        long seed;
        Path outputDir;
        boolean resume;
        boolean usePeft;
        int loraRank;
        double loraAlpha;
        double loraDropout;
        List<String> loraTargets;
        boolean mergeLora;

        Builder(SftConfig c) {
            learningRate = c.learningRate;
            beta1 = c.adam.beta1();
            beta2 = c.adam.beta2();
            epsilon = c.adam.epsilon();
            weightDecay = c.adam.weightDecay();
            warmupSteps = c.warmupSteps;
            maxSteps = c.maxSteps;
            epochs = c.epochs;
            batchSize = c.batchSize;
            evalBatchSize = c.evalBatchSize;
            gradientAccumulation = c.gradientAccumulation;
            maxGradNorm = c.maxGradNorm;
            maxLength = c.maxLength;
            evalSteps = c.evalSteps;
            patience = c.earlyStoppingPatience;
            loadBestAtEnd = c.loadBestAtEnd;
            loggingSteps = c.loggingSteps;
            saveSteps = c.saveSteps;
            saveTotalLimit = c.saveTotalLimit;
            seed = c.seed;
            outputDir = c.outputDir;
            resume = c.resume;
            LoraSettings l = c.lora == null ? LoraSettings.DEFAULT : c.lora;
            usePeft = c.lora != null;
            loraRank = l.rank();
            loraAlpha = l.alpha();
            loraDropout = l.dropout();
            loraTargets = l.targetModules();
            mergeLora = l.mergeIntoOutput();
        }

        SftConfig build() {
            LoraSettings lora = usePeft ? new LoraSettings(loraRank, loraAlpha, loraDropout, loraTargets, mergeLora)
                    : null;
            return new SftConfig(learningRate, new AdamW.Hyper(beta1, beta2, epsilon, weightDecay), warmupSteps,
                    maxSteps, epochs, batchSize, gradientAccumulation, maxGradNorm, maxLength, evalSteps,
                    evalBatchSize, patience, loadBestAtEnd, loggingSteps, saveSteps, saveTotalLimit, seed, lora,
                    outputDir, resume);
        }
    }
}
