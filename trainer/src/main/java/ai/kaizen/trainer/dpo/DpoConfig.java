package ai.kaizen.trainer.dpo;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.TrainingArguments;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A DPO run's options (TRL's {@code DPOConfig}), read from JSON under TRL's names: the shared
 * ones of {@link TrainingArguments} plus {@code beta}, {@code loss_type}, {@code label_smoothing}
 * and {@code max_prompt_length}.
 *
 * <p>Defaults ({@link #defaults}), TRL's {@code DPOConfig}: {@code beta=0.1},
 * {@code loss_type="sigmoid"}, {@code label_smoothing=0}, {@code learning_rate=1e-6},
 * {@code max_length=1024}, {@code max_prompt_length=512}, {@code num_train_epochs=3},
 * {@code per_device_train_batch_size=8}, {@code max_grad_norm=1.0}, {@code logging_steps=10},
 * {@code save_steps=500}, {@code seed=42}, dropout off; Kaizen's own as for SFT:
 * {@code warmup_steps=10} then cosine decay, {@code eval_steps=100}, two checkpoints kept. For a
 * model as small as stories260K raise {@code learning_rate} to about {@code 1e-3}.
 *
 * @param args the shared options
 * @param beta strength of the implicit KL penalty (higher stays closer to the reference)
 * @param lossType the preference loss
 * @param labelSmoothing assumed probability that a pair's label is flipped (conservative DPO; sigmoid only)
 * @param maxPromptLength most prompt tokens; longer prompts keep their end
 */
public record DpoConfig(TrainingArguments args, double beta, LossType lossType, double labelSmoothing,
        int maxPromptLength) {

    /** The losses implemented, by TRL's {@code loss_type} names. */
    public enum LossType {
        /** {@code -logsigmoid(beta * h)} (Rafailov et al. 2023), with label smoothing. */
        SIGMOID,
        /** {@code (h - 1/(2 beta))^2} on per-token mean log-probabilities (Azar et al. 2023). */
        IPO;

        /** @return the TRL name */
        public String trlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static LossType of(String name) {
            for (LossType t : values()) {
                if (t.trlName().equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("loss_type must be \"sigmoid\" or \"ipo\", got \"" + name + "\"");
        }
    }

    /** Validates. */
    public DpoConfig {
        if (args == null || lossType == null) {
            throw new IllegalArgumentException("training arguments and loss_type are required");
        }
        if (!(beta > 0)) {
            throw new IllegalArgumentException("beta must be positive");
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("label_smoothing must be in [0, 0.5)");
        }
        if (labelSmoothing > 0 && lossType != LossType.SIGMOID) {
            throw new IllegalArgumentException("label_smoothing applies to loss_type \"sigmoid\" only");
        }
        if (maxPromptLength < 1) {
            throw new IllegalArgumentException("max_prompt_length must be positive");
        }
    }

    /**
     * @param outputDir the output directory
     * @return the defaults (see the class comment), full fine-tuning
     */
    public static DpoConfig defaults(Path outputDir) {
        return new DpoConfig(new TrainingArguments(1e-6, AdamW.Hyper.DEFAULT, 10, -1, 3, 8, 1, 1.0, 1024, 100, 8,
                10, 500, 2, 42, null, outputDir, false), 0.1, LossType.SIGMOID, 0, 512);
    }

    /**
     * Applies TRL-named options over a base configuration; an unknown key is an error.
     *
     * @param options the options
     * @param base the values of keys not given
     * @return the configuration
     */
    public static DpoConfig fromJson(JsonObject options, DpoConfig base) {
        return from(TrainingArguments.overlay(base.toJson(), options, "DPO"));
    }

    /**
     * @param file a JSON file of TRL-named options
     * @param outputDir used when the file names no {@code output_dir}
     * @return the configuration
     */
    public static DpoConfig read(Path file, Path outputDir) {
        return fromJson(Json.readObject(file), defaults(outputDir));
    }

    private static DpoConfig from(JsonObject o) {
        return new DpoConfig(TrainingArguments.from(o), o.get("beta").getAsDouble(),
                LossType.of(o.get("loss_type").getAsString()), o.get("label_smoothing").getAsDouble(),
                o.get("max_prompt_length").getAsInt());
    }

    /** @return every option under its TRL name ({@link #fromJson} reads it back) */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        args.addTo(o);
        o.addProperty("beta", beta);
        o.addProperty("loss_type", lossType.trlName());
        o.addProperty("label_smoothing", labelSmoothing);
        o.addProperty("max_prompt_length", maxPromptLength);
        return o;
    }

    /**
     * @param change applied to the JSON form (e.g. {@code o -> o.addProperty("resume", true)})
     * @return a copy with the change
     */
    public DpoConfig with(java.util.function.Consumer<JsonObject> change) {
        JsonObject o = toJson();
        change.accept(o);
        return from(o);
    }
}
