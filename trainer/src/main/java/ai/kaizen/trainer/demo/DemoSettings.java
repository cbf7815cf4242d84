package ai.kaizen.trainer.demo;

import ai.kaizen.model.config.Json;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.List;

/**
 * What the RLHF demonstration runs on, read from JSON: the defaults ({@code rlhf-demo.json} beside this class, sized
 * for the starter model on a 2-core CPU) overridden key by key by the user's file; the stage sections
 * ({@code sft}, {@code reward_model}, {@code ppo}, {@code rloo}, {@code grpo}, {@code dpo}, {@code kto}) hold the
 * trainers' own TRL-named options and are merged key by key too.
 *
 * @param baseModel the pretrained model the canned-answer policy is fine-tuned from
 * @param bitextDir the Bitext CSV files (the defaults leave it empty: the caller fills in the shipped data's)
 * @param evalFraction share of each intent's customer messages held out (the starter model's split: 0.1)
 * @param splitSeed seeds the held-out draw (the starter model's: 7)
 * @param trainPairs training pairs used (0: all), a deterministic sample
 * @param evalPrompts held-out prompts the policies are compared on (and reward-model pairs evaluated on)
 * @param ppoValidationPrompts more held-out messages, after the {@code eval_prompts} ones, on which PPO evaluates and
 *     picks its best checkpoint (never the prompts it is compared on: a checkpoint chosen on them would flatter it)
 * @param offTopicPairs share of the training pairs that also give the reward model an off-topic pair (the message's
 *     own canned answer chosen over another intent's), in [0, 1]
 * @param maxNewTokens answer length in the comparison
 * @param methods the methods trained from the SFT policy and compared with it, in order (a subset of
 *     {@link #METHODS})
 * @param stages each stage's trainer options, by section name
 */
public record DemoSettings(Path baseModel, Path bitextDir, double evalFraction, long splitSeed, int trainPairs,
                           int evalPrompts, int ppoValidationPrompts, double offTopicPairs, int maxNewTokens,
                           List<String> methods, Map<String, JsonObject> stages) {

    /** The methods that improve the SFT policy: online against the reward model, or offline from the feedback. */
    public static final List<String> METHODS = List.of("ppo", "rloo", "grpo", "dpo", "kto");
    /** The stage sections, in the order they run. */
    public static final List<String> STAGES = List.of("sft", "reward_model", "ppo", "rloo", "grpo", "dpo", "kto");

    /** Validates. */
    public DemoSettings {
        if (!(evalFraction > 0 && evalFraction < 1) || trainPairs < 0 || evalPrompts <= 0 || maxNewTokens <= 0
                || ppoValidationPrompts < 0 || !(offTopicPairs >= 0 && offTopicPairs <= 1)) {
            throw new IllegalArgumentException("eval_fraction must be in (0, 1), off_topic_pairs in [0, 1], train_pairs "
                    + "and ppo_validation_prompts >= 0, eval_prompts and max_new_tokens > 0");
        }
        methods = List.copyOf(methods);
        for (String m : methods) {
            if (!METHODS.contains(m)) {
                throw new IllegalArgumentException("unknown method '" + m + "' in methods; methods are " + METHODS);
            }
        }
    }

    /** @return the defaults */
    public static JsonObject defaultsJson() {
        try (InputStream in = DemoSettings.class.getResourceAsStream("rlhf-demo.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param overrides the user's options (may be empty); unknown top-level keys are an error
     * @return the defaults with the overrides applied
     */
    public static DemoSettings of(JsonObject overrides) {
        JsonObject merged = defaultsJson();
        for (Map.Entry<String, JsonElement> e : overrides.entrySet()) {
            if (!merged.has(e.getKey())) {
                throw new IllegalArgumentException("unknown option '" + e.getKey() + "'; options are "
                        + merged.keySet());
            }
            if (STAGES.contains(e.getKey())) {
                if (!e.getValue().isJsonObject()) {
                    throw new IllegalArgumentException("'" + e.getKey() + "' must be an object of trainer options");
                }
                JsonObject section = merged.getAsJsonObject(e.getKey());
                e.getValue().getAsJsonObject().entrySet().forEach(o -> section.add(o.getKey(), o.getValue()));
            } else {
                merged.add(e.getKey(), e.getValue());
            }
        }
        Map<String, JsonObject> stages = new java.util.LinkedHashMap<>();
        for (String stage : STAGES) {
            stages.put(stage, merged.getAsJsonObject(stage).deepCopy());
        }
        return new DemoSettings(Path.of(merged.get("base_model").getAsString()),
                Path.of(merged.get("bitext_dir").getAsString()), merged.get("eval_fraction").getAsDouble(),
                merged.get("split_seed").getAsLong(), merged.get("train_pairs").getAsInt(),
                merged.get("eval_prompts").getAsInt(), merged.get("ppo_validation_prompts").getAsInt(),
                merged.get("off_topic_pairs").getAsDouble(), merged.get("max_new_tokens").getAsInt(),
                merged.getAsJsonArray("methods").asList().stream().map(JsonElement::getAsString).toList(), stages);
    }

    /**
     * @param file a JSON file of overrides
     * @return the settings
     */
    public static DemoSettings read(Path file) {
        return of(Json.readObject(file));
    }

    /**
     * @param stage a stage section name
     * @param outputDir where that stage writes
     * @return a copy of its options with {@code output_dir} set
     */
    public JsonObject stage(String stage, Path outputDir) {
        JsonObject o = stages.get(stage).deepCopy();
        o.addProperty("output_dir", outputDir.toString());
        return o;
    }
}
