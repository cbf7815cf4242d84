package ai.kaizen.trainer.training;

import ai.kaizen.model.lora.LoraConfig;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * LoRA options of an SFT run. Defaults are TRL's {@code ModelConfig}
 * ({@code lora_r=16, lora_alpha=32, lora_dropout=0.05}) with PEFT's default Llama targets
 * ({@code q_proj, v_proj}).
 *
 * @param rank the rank {@code r}
 * @param alpha the scaling numerator ({@code alpha / r})
 * @param dropout dropout on the adapter input while training
 * @param targetModules projections to adapt ({@code q_proj ... down_proj})
 * @param mergeIntoOutput whether the final output also holds the merged full model (in {@code merged/})
 */
public record LoraSettings(int rank, double alpha, double dropout, List<String> targetModules,
        boolean mergeIntoOutput) {

    /** TRL's defaults. */
    public static final LoraSettings DEFAULT = new LoraSettings(16, 32, 0.05, List.of("q_proj", "v_proj"), true);

    /** Validates (through {@link LoraConfig}). */
    public LoraSettings {
        targetModules = List.copyOf(targetModules);
        LoraConfig.of(rank, alpha, dropout, targetModules);
    }

    /** @return the model module's configuration */
    public LoraConfig toLoraConfig() {
        return LoraConfig.of(rank, alpha, dropout, targetModules);
    }

    /** @param o a TRL-named JSON configuration to add {@code lora_r ... merge_lora} to */
    public void writeTo(JsonObject o) {
        o.addProperty("lora_r", rank);
        o.addProperty("lora_alpha", alpha);
        o.addProperty("lora_dropout", dropout);
        JsonArray targets = new JsonArray();
        targetModules.forEach(targets::add);
        o.add("lora_target_modules", targets);
        o.addProperty("merge_lora", mergeIntoOutput);
    }

    /**
     * @param o a TRL-named JSON configuration
     * @param defaults the values of keys it does not give
     * @return its {@code lora_r ... merge_lora} options
     */
    public static LoraSettings read(JsonObject o, LoraSettings defaults) {
        List<String> targets = defaults.targetModules();
        if (o.has("lora_target_modules")) {
            targets = new ArrayList<>();
            for (JsonElement t : o.getAsJsonArray("lora_target_modules")) {
                targets.add(t.getAsString());
            }
        }
        return new LoraSettings(o.has("lora_r") ? o.get("lora_r").getAsInt() : defaults.rank(),
                o.has("lora_alpha") ? o.get("lora_alpha").getAsDouble() : defaults.alpha(),
                o.has("lora_dropout") ? o.get("lora_dropout").getAsDouble() : defaults.dropout(), targets,
                o.has("merge_lora") ? o.get("merge_lora").getAsBoolean() : defaults.mergeIntoOutput());
    }
}
