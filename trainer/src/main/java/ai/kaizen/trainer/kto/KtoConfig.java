package ai.kaizen.trainer.kto;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.TrainingArguments;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A KTO run's options (TRL's {@code KTOConfig}), read from JSON under TRL's names: the shared ones
 * of {@link TrainingArguments} plus {@code beta}, {@code desirable_weight},
 * {@code undesirable_weight}, {@code loss_type} and {@code max_prompt_length}.
 *
 * <p>Defaults ({@link #defaults}), TRL's {@code KTOConfig}: {@code beta=0.1},
 * {@code desirable_weight=1.0}, {@code undesirable_weight=1.0}, {@code loss_type="kto"},
 * {@code learning_rate=1e-6}, {@code max_length=1024}, {@code max_prompt_length=512},
 * {@code num_train_epochs=3}, {@code per_device_train_batch_size=8}, {@code max_grad_norm=1.0},
 * {@code logging_steps=10}, {@code save_steps=500}, {@code seed=42}, dropout off; Kaizen's own as
 * for SFT: {@code warmup_steps=10} then cosine decay, {@code eval_steps=100}, two checkpoints kept.
 * For a model as small as stories260K raise {@code learning_rate} to about {@code 1e-3}.
 *
 * @param args the shared options ({@code per_device_train_batch_size} is also the group the KL
 *     reference point is estimated over)
 * @param beta strength of the implicit KL penalty (higher stays closer to the reference)
 * @param desirableWeight weight of a desirable answer's loss ({@code lambda_D})
 * @param undesirableWeight weight of an undesirable answer's loss ({@code lambda_U})
 * @param lossType the loss
 * @param maxPromptLength most prompt tokens; longer prompts keep their end
 */
public record KtoConfig(TrainingArguments args, double beta, double desirableWeight, double undesirableWeight,
        LossType lossType, int maxPromptLength) {

    /** The losses implemented, by TRL's {@code loss_type} names. */
    public enum LossType {
        /**
         * Ethayarajh et al. 2024, eq. 7: {@code 1 - sigmoid(beta (logratio - z0))} for a desirable
         * answer, {@code 1 - sigmoid(beta (z0 - logratio))} for an undesirable one, {@code z0} the
         * KL reference point.
         */
        KTO,
        /**
         * APO-zero's unpaired form (D'Oosterlinck et al. 2024): the same with {@code z0 = 0}, which
         * needs no mismatched pairs; for answers believed better than the model's own.
         */
        APO_ZERO_UNPAIRED;

        /** @return the TRL name */
        public String trlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @return whether the loss needs the KL reference point (and so the mismatched pairs) */
        public boolean usesReferencePoint() {
            return this == KTO;
        }

        static LossType of(String name) {
            for (LossType t : values()) {
                if (t.trlName().equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("loss_type must be \"kto\" or \"apo_zero_unpaired\", got \"" + name
                    + "\"");
        }
    }

    /** Validates. */
    public KtoConfig {
        if (args == null || lossType == null) {
            throw new IllegalArgumentException("training arguments and loss_type are required");
        }
        if (!(beta > 0)) {
            throw new IllegalArgumentException("beta must be positive");
        }
        if (!(desirableWeight > 0) || !(undesirableWeight > 0)) {
            throw new IllegalArgumentException("desirable_weight and undesirable_weight must be positive");
        }
        if (maxPromptLength < 1) {
            throw new IllegalArgumentException("max_prompt_length must be positive");
        }
        // TRL refuses it too: a batch of one has no mismatched pair, and its KL estimate would be the reward itself
        if (lossType.usesReferencePoint() && args.batchSize() < 2) {
            throw new IllegalArgumentException("loss_type \"kto\" needs per_device_train_batch_size of at least 2 "
                    + "(the KL reference point is estimated from mismatched pairs within a batch)");
        }
    }

    /**
     * @param outputDir the output directory
     * @return the defaults (see the class comment), full fine-tuning
     */
    public static KtoConfig defaults(Path outputDir) {
        return new KtoConfig(new TrainingArguments(1e-6, AdamW.Hyper.DEFAULT, 10, -1, 3, 8, 1, 1.0, 1024, 100, 8,
                10, 500, 2, 42, null, outputDir, false), 0.1, 1.0, 1.0, LossType.KTO, 512);
    }

    /**
     * Applies TRL-named options over a base configuration; an unknown key is an error.
     *
     * @param options the options
     * @param base the values of keys not given
     * @return the configuration
     */
    public static KtoConfig fromJson(JsonObject options, KtoConfig base) {
        return from(TrainingArguments.overlay(base.toJson(), options, "KTO"));
    }

    /**
     * @param file a JSON file of TRL-named options
     * @param outputDir used when the file names no {@code output_dir}
     * @return the configuration
     */
    public static KtoConfig read(Path file, Path outputDir) {
        return fromJson(Json.readObject(file), defaults(outputDir));
    }

    private static KtoConfig from(JsonObject o) {
        return new KtoConfig(TrainingArguments.from(o), o.get("beta").getAsDouble(),
                o.get("desirable_weight").getAsDouble(), o.get("undesirable_weight").getAsDouble(),
                LossType.of(o.get("loss_type").getAsString()), o.get("max_prompt_length").getAsInt());
    }

    /** @return every option under its TRL name ({@link #fromJson} reads it back) */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        args.addTo(o);
        o.addProperty("beta", beta);
        o.addProperty("desirable_weight", desirableWeight);
        o.addProperty("undesirable_weight", undesirableWeight);
        o.addProperty("loss_type", lossType.trlName());
        o.addProperty("max_prompt_length", maxPromptLength);
        return o;
    }

    /**
     * @param change applied to the JSON form (e.g. {@code o -> o.addProperty("resume", true)})
     * @return a copy with the change
     */
    public KtoConfig with(java.util.function.Consumer<JsonObject> change) {
        JsonObject o = toJson();
        change.accept(o);
        return from(o);
    }

    /**
     * @param desirable whether the answer is desirable
     * @return the weight of its loss
     */
    public double weight(boolean desirable) {
        return desirable ? desirableWeight : undesirableWeight;
    }
}
