package ai.kaizen.trainer.grpo;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.online.GroupConfig;
import ai.kaizen.trainer.online.OnlineArguments;
import ai.kaizen.trainer.online.TrainingEvaluation;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.TrainingArguments;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A GRPO run's options (TRL's {@code GRPOConfig}), read from JSON under TRL's names: transformers' shared ones
 * ({@link TrainingArguments}), the online ones ({@link OnlineArguments}), {@code scale_rewards} and
 * {@code loss_type}.
 *
 * <p>Defaults ({@link #defaults}). TRL's {@code GRPOConfig}: {@code num_generations=8},
 * {@code loss_type="dapo"}, {@code scale_rewards="group"}, {@code num_iterations=1}, {@code epsilon=0.2},
 * {@code epsilon_high} unset, {@code temperature=1.0}, {@code learning_rate=1e-6},
 * {@code per_device_train_batch_size=8}, {@code num_train_epochs=3}, {@code max_grad_norm=1.0},
 * {@code warmup_steps=0}, {@code seed=42}. {@code beta=0.04}, not TRL's 0.0: TRL's default serves rewards that
 * can be checked (a maths answer is right or wrong), Kaizen's reward is a learned reward model that a policy can
 * fool, and PPO here raised its reward model's score while answering the wrong request more often; the KL to the
 * starting policy is the brake, at the value of the GRPO paper (DeepSeekMath). Kaizen's, as PPO's and RLOO's:
 * {@code max_completion_length=128}, {@code max_prompt_length=512}, scores normalised and clipped to 5,
 * {@code missing_eos_penalty=1}, {@code kl_limit=20}, {@code ratio_limit=10}, greedy evaluation every
 * {@code eval_steps=50} keeping the best, {@code save_steps=50}, two checkpoints kept, a metrics line per step,
 * cosine decay after warmup.
 *
 * @param args the shared training options
 * @param online the online options
 * @param scaleRewards what the advantages are divided by
 * @param lossType how per-token losses are averaged
 */
public record GrpoConfig(TrainingArguments args, OnlineArguments online, ScaleRewards scaleRewards,
        LossType lossType) implements GroupConfig {

    /** TRL's {@code scale_rewards}: the standard deviation the group-centred rewards are divided by. */
    public enum ScaleRewards {
        /** The answer's group's ({@code true} in older TRL). */
        GROUP,
        /** The whole batch's (PPO Lite). */
        BATCH,
        /** None ({@code false}): Dr. GRPO, which finds the group's a question-difficulty bias. */
        NONE;

        /** @return the TRL name */
        public String trlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static ScaleRewards of(JsonElement value) {
            JsonPrimitive p = value.getAsJsonPrimitive();
            if (p.isBoolean()) {
                return p.getAsBoolean() ? GROUP : NONE;
            }
            for (ScaleRewards s : values()) {
                if (s.trlName().equals(p.getAsString())) {
                    return s;
                }
            }
            throw new IllegalArgumentException("scale_rewards must be \"group\", \"batch\" or \"none\" (or true, "
                    + "false), got " + value);
        }
    }

    /** TRL's {@code loss_type}: how the per-token losses of a batch become one number. */
    public enum LossType {
        /** Each answer's mean over its tokens, then the mean over answers (the paper's; biased by length). */
        GRPO,
        /** The sum over every token of the micro-batch divided by its token count. */
        BNPO,
        /** The sum over tokens divided by answers x {@code max_completion_length}, a constant (Dr. GRPO). */
        DR_GRPO,
        /** The sum over tokens divided by the token count of the whole optimizer step (DAPO; TRL's default). */
        DAPO;

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
            throw new IllegalArgumentException("loss_type must be one of "
                    + Arrays.stream(values()).map(LossType::trlName).toList() + ", got \"" + name + "\"");
        }
    }

    /** Renamed options, by the name other trainers (PPO, old RLOO) use, so a copied config gets a clear error. */
    private static final Map<String, String> RENAMED = Map.of("kl_coef", "beta", "cliprange", "epsilon",
            "num_ppo_epochs", "num_iterations", "response_length", "max_completion_length", "rloo_k",
            "num_generations");

    /** Validates. */
    public GrpoConfig {
        if (args == null || online == null || scaleRewards == null || lossType == null) {
            throw new IllegalArgumentException("training arguments, online options, scale_rewards and loss_type are "
                    + "required");
        }
        GroupConfig.validate(args, online);
    }

    @Override
    public String method() {
        return "grpo";
    }

    /**
     * @param outputDir the output directory
     * @return the defaults (see the class comment), full fine-tuning
     */
    public static GrpoConfig defaults(Path outputDir) {
        return new GrpoConfig(new TrainingArguments(1e-6, AdamW.Hyper.DEFAULT, 0, -1, 3, 8, 1, 1.0, 1024, 50, 8, 1,
                50, 2, 42, null, outputDir, false),
                new OnlineArguments(8, 128, 512, 1.0, 0.04, 1, 0.2, Double.NaN, true, 5, 1.0, 20, 10, true,
                        TrainingEvaluation.METRIC_SCORES, 0), ScaleRewards.GROUP, LossType.DAPO);
    }

    /**
     * Applies TRL-named options over a base configuration; an unknown key is an error.
     *
     * @param options the options
     * @param base the values of keys not given
     * @return the configuration
     */
    public static GrpoConfig fromJson(JsonObject options, GrpoConfig base) {
        return from(GroupConfig.overlay(options, base, "GRPO", RENAMED, "TRL's GRPOConfig calls it"));
    }

    /**
     * @param file a JSON file of TRL-named options
     * @param outputDir used when the file names no {@code output_dir}
     * @return the configuration
     */
    public static GrpoConfig read(Path file, Path outputDir) {
        return fromJson(Json.readObject(file), defaults(outputDir));
    }

    private static GrpoConfig from(JsonObject o) {
        return new GrpoConfig(TrainingArguments.from(o), OnlineArguments.from(o),
                ScaleRewards.of(o.get("scale_rewards")), LossType.of(o.get("loss_type").getAsString()));
    }

    @Override
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        args.addTo(o);
        online.addTo(o);
        o.addProperty("scale_rewards", scaleRewards.trlName());
        o.addProperty("loss_type", lossType.trlName());
        return o;
    }

    /**
     * @param change applied to the JSON form (e.g. {@code o -> o.addProperty("resume", true)})
     * @return a copy with the change
     */
    public GrpoConfig with(Consumer<JsonObject> change) {
        JsonObject o = toJson();
        change.accept(o);
        return from(o);
    }
}
