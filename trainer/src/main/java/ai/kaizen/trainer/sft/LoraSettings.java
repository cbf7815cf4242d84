package ai.kaizen.trainer.sft;

import ai.kaizen.model.lora.LoraConfig;
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
}
