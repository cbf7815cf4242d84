package ai.kaizen.trainer.sft;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.LoraSettings;
import ai.kaizen.trainer.training.TrainingArguments;
import com.google.gson.JsonObject;
import java.nio.file.Path;

/**
 * An SFT run's options (TRL's {@code SFTConfig}): the shared {@link TrainingArguments} plus early stopping and
 * {@code load_best_model_at_end}, read from one JSON object under TRL's names ({@code learning_rate},
 * {@code per_device_train_batch_size}, ...); see {@link #fromJson}.
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
 * @param args the shared options (learning rate, batches, steps, checkpoints, LoRA, output)
 * @param earlyStoppingPatience stop after this many evaluations without improvement (0: never)
 * @param loadBestAtEnd restore the weights of the best evaluation before saving the output
 */
public record SftConfig(TrainingArguments args, int earlyStoppingPatience, boolean loadBestAtEnd) {

    /** Validates. */
    public SftConfig {
        if (args == null) {
            throw new IllegalArgumentException("training arguments are required");
        }
        if (earlyStoppingPatience < 0) {
            throw new IllegalArgumentException("early_stopping_patience must be >= 0");
        }
    }

    /**
     * The options in {@link TrainingArguments}' order with SFT's two between them, for recipes written in code.
     *
     * @param learningRate peak learning rate
     * @param adam AdamW hyper-parameters
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
    public SftConfig(double learningRate, AdamW.Hyper adam, int warmupSteps, int maxSteps, double epochs,
            int batchSize, int gradientAccumulation, double maxGradNorm, int maxLength, int evalSteps,
            int evalBatchSize, int earlyStoppingPatience, boolean loadBestAtEnd, int loggingSteps, int saveSteps,
            int saveTotalLimit, long seed, LoraSettings lora, Path outputDir, boolean resume) {
        this(new TrainingArguments(learningRate, adam, warmupSteps, maxSteps, epochs, batchSize, gradientAccumulation,
                maxGradNorm, maxLength, evalSteps, evalBatchSize, loggingSteps, saveSteps, saveTotalLimit, seed, lora,
                outputDir, resume), earlyStoppingPatience, loadBestAtEnd);
    }

    /**
     * @param outputDir the output directory
     * @return the defaults (see the class comment), full fine-tuning
     */
    public static SftConfig defaults(Path outputDir) {
        return new SftConfig(2e-5, AdamW.Hyper.DEFAULT, 10, -1, 3, 8, 1, 1.0, 1024, 100, 8, 3, true, 10, 500, 2,
                42, null, outputDir, false);
    }

    /** @return tokens per example */
    public int maxLength() {
        return args.maxLength();
    }

    /** @return whether LoRA adapters are trained instead of the whole model */
    public boolean usesLora() {
        return args.usesLora();
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
     * Applies TRL-named options to a base configuration: those of {@link TrainingArguments} and
     * {@code early_stopping_patience}, {@code load_best_model_at_end}. An unknown key is an error (a typo
     * should not silently train with a default).
     *
     * @param json the options
     * @param base the values of keys not given
     * @return the configuration
     */
    public static SftConfig fromJson(JsonObject json, SftConfig base) {
        JsonObject o = TrainingArguments.overlay(base.toJson(), json, "SFT");
        return new SftConfig(TrainingArguments.from(o), o.get("early_stopping_patience").getAsInt(),
                o.get("load_best_model_at_end").getAsBoolean());
    }

    /** @return this configuration as TRL-named JSON (written beside checkpoints; {@link #fromJson} reads it) */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        args.addTo(o);
        o.addProperty("early_stopping_patience", earlyStoppingPatience);
        o.addProperty("load_best_model_at_end", loadBestAtEnd);
        return o;
    }

    /** @param settings LoRA options, or null for full fine-tuning @return a copy */
    public SftConfig withLora(LoraSettings settings) {
        return new SftConfig(args.withLora(settings), earlyStoppingPatience, loadBestAtEnd);
    }

    /** @param max updates to run @return a copy */
    public SftConfig withMaxSteps(int max) {
        return new SftConfig(args.withMaxSteps(max), earlyStoppingPatience, loadBestAtEnd);
    }

    /** @param dir the output directory @return a copy */
    public SftConfig withOutputDir(Path dir) {
        return new SftConfig(args.withOutputDir(dir), earlyStoppingPatience, loadBestAtEnd);
    }

    /** @param value whether to resume @return a copy */
    public SftConfig withResume(boolean value) {
        return new SftConfig(args.withResume(value), earlyStoppingPatience, loadBestAtEnd);
    }

    /**
     * @param examples training examples
     * @return optimizer steps a run over them takes ({@code max_steps} when set; examples dropped by
     *     tokenisation aside): SFT's epochs each end with a partial accumulation, so each rounds up on its own
     */
    public long totalSteps(int examples) {
        if (args.maxSteps() > 0) {
            return args.maxSteps();
        }
        long batches = (examples + args.batchSize() - 1) / args.batchSize();
        long perEpoch = Math.max(1, (batches + args.gradientAccumulation() - 1) / args.gradientAccumulation());
        return (long) Math.ceil(perEpoch * args.epochs());
    }
}
