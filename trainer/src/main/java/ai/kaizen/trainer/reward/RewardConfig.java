package ai.kaizen.trainer.reward;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.TrainingArguments;
import com.google.gson.JsonObject;
import java.nio.file.Path;

/**
 * A reward-model run's options (TRL's {@code RewardConfig}), read from JSON under TRL's names:
 * the shared ones of {@link TrainingArguments} plus {@code center_rewards_coefficient}, and
 * Kaizen's {@code thumbs_weight} and {@code mismatched_pairs}. Pairs may carry a {@code margin}
 * (a column of the dataset, see {@code PreferenceExample}); the loss is Bradley-Terry,
 * {@code -logsigmoid(r_chosen - r_rejected - margin)}, plus
 * {@code center_rewards_coefficient * mean((r_chosen + r_rejected)^2)}, which keeps rewards
 * centred on zero (Eisenstein et al. 2023, as TRL). Ties and thumbs have their own terms
 * ({@link RewardLosses}); thumbs count {@code thumbs_weight} times a pair.
 *
 * <p>{@code mismatched_pairs}: mismatched pairs ({@code MismatchedPairs}) added per approved
 * answer when a run reads its data from files ({@link RewardRun}), default 3 ({@link
 * #MISMATCHED_PAIRS}); 0 turns them off. {@code thumbs_weight} default 1.0: 0.5 measured no
 * different on the Bitext data (README, "What the reward model learns from").
 *
 * <p>Defaults ({@link #defaults}): TRL's {@code RewardConfig} and transformers'
 * {@code TrainingArguments}: {@code learning_rate=1e-5}, {@code num_train_epochs=3},
 * {@code per_device_train_batch_size=8}, {@code gradient_accumulation_steps=1},
 * {@code max_grad_norm=1.0}, {@code max_length=1024}, {@code logging_steps=10},
 * {@code save_steps=500}, {@code seed=42}, {@code center_rewards_coefficient} off (0), AdamW
 * 0.9/0.999/1e-8 without weight decay, dropout off. Kaizen's own, as for SFT: {@code warmup_steps=10}
 * then cosine decay, {@code eval_steps=100}, two checkpoints kept. For a model as small as
 * stories260K (tests, smoke runs) raise {@code learning_rate} to about {@code 1e-3}: 1e-5 is tuned
 * for models of 100M+ parameters and barely moves a tiny one.
 *
 * @param args the shared options
 * @param centerRewardsCoefficient weight of the reward-centring term (0: off)
 * @param thumbsWeight weight of a thumbs example's loss, relative to a pair's
 * @param mismatchedPairs mismatched pairs per approved answer (0: none)
 */
public record RewardConfig(TrainingArguments args, double centerRewardsCoefficient, double thumbsWeight,
        double mismatchedPairs) {

    /** Default {@code thumbs_weight}. */
    public static final double THUMBS_WEIGHT = 1.0;

    /**
     * Default {@code mismatched_pairs}: on the Bitext data three per approved answer taught the starter model
     * relevance (held-out mismatched accuracy 0.87 after 400 steps) where one did less (0.71), at the same steps.
     */
    public static final double MISMATCHED_PAIRS = 3.0;

    /** Validates. */
    public RewardConfig {
        if (args == null) {
            throw new IllegalArgumentException("training arguments are required");
        }
        if (!(centerRewardsCoefficient >= 0)) {
            throw new IllegalArgumentException("center_rewards_coefficient must be >= 0");
        }
        if (!(thumbsWeight >= 0) || Double.isInfinite(thumbsWeight)) {
            throw new IllegalArgumentException("thumbs_weight must be a number >= 0");
        }
        if (!(mismatchedPairs >= 0) || Double.isInfinite(mismatchedPairs)) {
            throw new IllegalArgumentException("mismatched_pairs must be a number >= 0");
        }
    }

    /** With {@code thumbs_weight} and {@code mismatched_pairs} at their defaults. */
    public RewardConfig(TrainingArguments args, double centerRewardsCoefficient) {
        this(args, centerRewardsCoefficient, THUMBS_WEIGHT, MISMATCHED_PAIRS);
    }

    /**
     * @param outputDir the output directory
     * @return the defaults (see the class comment), full fine-tuning
     */
    public static RewardConfig defaults(Path outputDir) {
        return new RewardConfig(new TrainingArguments(1e-5, AdamW.Hyper.DEFAULT, 10, -1, 3, 8, 1, 1.0, 1024, 100,
                8, 10, 500, 2, 42, null, outputDir, false), 0);
    }

    /**
     * Applies TRL-named options over a base configuration; an unknown key is an error.
     *
     * @param options the options
     * @param base the values of keys not given
     * @return the configuration
     */
    public static RewardConfig fromJson(JsonObject options, RewardConfig base) {
        return from(TrainingArguments.overlay(base.toJson(), options, "reward model"));
    }

    /**
     * @param file a JSON file of TRL-named options
     * @param outputDir used when the file names no {@code output_dir}
     * @return the configuration
     */
    public static RewardConfig read(Path file, Path outputDir) {
        return fromJson(Json.readObject(file), defaults(outputDir));
    }

    private static RewardConfig from(JsonObject o) {
        return new RewardConfig(TrainingArguments.from(o), o.get("center_rewards_coefficient").getAsDouble(),
                o.get("thumbs_weight").getAsDouble(), o.get("mismatched_pairs").getAsDouble());
    }

    /** @return every option under its TRL name ({@link #fromJson} reads it back) */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        args.addTo(o);
        o.addProperty("center_rewards_coefficient", centerRewardsCoefficient);
        o.addProperty("thumbs_weight", thumbsWeight);
        o.addProperty("mismatched_pairs", mismatchedPairs);
        return o;
    }

    /**
     * @param change applied to the shared options' JSON form (e.g. {@code o -> o.addProperty("resume", true)})
     * @return a copy with the change
     */
    public RewardConfig with(java.util.function.Consumer<JsonObject> change) {
        JsonObject o = toJson();
        change.accept(o);
        return from(o);
    }
}
