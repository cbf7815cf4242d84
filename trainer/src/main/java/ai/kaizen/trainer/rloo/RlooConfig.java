package ai.kaizen.trainer.rloo;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.online.GroupConfig;
import ai.kaizen.trainer.online.OnlineArguments;
import ai.kaizen.trainer.online.TrainingEvaluation;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.TrainingArguments;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An RLOO run's options (TRL's {@code RLOOConfig}), read from JSON under TRL's names: transformers' shared
 * ones ({@link TrainingArguments}), the online ones ({@link OnlineArguments}) and {@code normalize_advantages}.
 *
 * <p>Defaults ({@link #defaults}). TRL's {@code RLOOConfig}: {@code num_generations=2}, {@code beta=0.05} (the KL
 * to the reference, summed over the answer, is subtracted from its reward), {@code num_iterations=1},
 * {@code epsilon=0.2}, {@code epsilon_high} unset, {@code normalize_advantages=false}, {@code temperature=1.0},
 * {@code learning_rate=1e-6}, {@code per_device_train_batch_size=8}, {@code num_train_epochs=3},
 * {@code max_grad_norm=1.0}, {@code warmup_steps=0}, {@code seed=42}. Kaizen's, as PPO's:
 * {@code max_completion_length=128} (TRL's 512 does not fit the starter model's 256-token context; Bitext answers
 * are shorter), {@code max_prompt_length=512}, scores normalised and clipped to 5, {@code missing_eos_penalty=1},
 * {@code kl_limit=20}, {@code ratio_limit=10}, greedy evaluation every {@code eval_steps=50} keeping the best by
 * {@code metric_for_best_model=eval/scores}, {@code save_steps=50}, two checkpoints kept, a metrics line per step;
 * learning rate after warmup decays along a cosine (Kaizen's schedule for every trainer; TRL's is linear).
 * Older TRL names ({@code rloo_k}, {@code kl_coef}, {@code cliprange}, ...) are refused with their new name.
 *
 * @param args the shared training options
 * @param online the online options
 * @param normalizeAdvantages whiten the advantages over the batch (mean 0, standard deviation 1)
 */
public record RlooConfig(TrainingArguments args, OnlineArguments online, boolean normalizeAdvantages)
        implements GroupConfig {

    /** TRL's names of RLOO options that were renamed, by their old name (TRL 0.11-0.19's RLOOConfig). */
    private static final Map<String, String> RENAMED = Map.of("rloo_k", "num_generations", "kl_coef", "beta",
            "cliprange", "epsilon", "num_ppo_epochs", "num_iterations", "response_length", "max_completion_length",
            "normalize_advantage", "normalize_advantages");

    /** Validates. */
    public RlooConfig {
        if (args == null || online == null) {
            throw new IllegalArgumentException("training arguments and online options are required");
        }
        GroupConfig.validate(args, online);
    }

    @Override
    public String method() {
        return "rloo";
    }

    /**
     * @param outputDir the output directory
     * @return the defaults (see the class comment), full fine-tuning
     */
    public static RlooConfig defaults(Path outputDir) {
        return new RlooConfig(new TrainingArguments(1e-6, AdamW.Hyper.DEFAULT, 0, -1, 3, 8, 1, 1.0, 1024, 50, 8, 1,
                50, 2, 42, null, outputDir, false),
                new OnlineArguments(2, 128, 512, 1.0, 0.05, 1, 0.2, Double.NaN, true, 5, 1.0, 20, 10, true,
                        TrainingEvaluation.METRIC_SCORES, 0), false);
    }

    /**
     * Applies TRL-named options over a base configuration; an unknown key is an error.
     *
     * @param options the options
     * @param base the values of keys not given
     * @return the configuration
     */
    public static RlooConfig fromJson(JsonObject options, RlooConfig base) {
        return from(GroupConfig.overlay(options, base, "RLOO", RENAMED, "TRL's RLOOConfig now calls it"));
    }

    /**
     * @param file a JSON file of TRL-named options
     * @param outputDir used when the file names no {@code output_dir}
     * @return the configuration
     */
    public static RlooConfig read(Path file, Path outputDir) {
        return fromJson(Json.readObject(file), defaults(outputDir));
    }

    private static RlooConfig from(JsonObject o) {
        return new RlooConfig(TrainingArguments.from(o), OnlineArguments.from(o),
                o.get("normalize_advantages").getAsBoolean());
    }

    @Override
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        args.addTo(o);
        online.addTo(o);
        o.addProperty("normalize_advantages", normalizeAdvantages);
        return o;
    }

    /**
     * @param change applied to the JSON form (e.g. {@code o -> o.addProperty("resume", true)})
     * @return a copy with the change
     */
    public RlooConfig with(Consumer<JsonObject> change) {
        JsonObject o = toJson();
        change.accept(o);
        return from(o);
    }
}
