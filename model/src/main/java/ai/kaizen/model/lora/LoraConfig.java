package ai.kaizen.model.lora;

import java.util.List;

/**
 * LoRA hyper-parameters, as in PEFT's {@code LoraConfig}.
 *
 * @param rank the rank {@code r} of the update {@code B A}
 * @param alpha scaling numerator: the update is multiplied by {@code alpha / r}
 *     ({@code alpha / sqrt(r)} with {@code rsLora})
 * @param dropout dropout on the adapter input while training
 * @param targetModules Hugging Face module names to adapt, among {@code q_proj k_proj v_proj
 *     o_proj gate_proj up_proj down_proj}
 * @param rsLora rank-stabilised scaling
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targetModules, boolean rsLora) {

    /** All projection names a Llama layer has. */
    public static final List<String> ALL_PROJECTIONS =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** Validates. */
    public LoraConfig {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be positive");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1)");
        }
        targetModules = List.copyOf(targetModules);
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target module");
        }
        for (String m : targetModules) {
            if (!ALL_PROJECTIONS.contains(m)) {
                throw new IllegalArgumentException("Unknown LoRA target module " + m + " (known: " + ALL_PROJECTIONS + ")");
            }
        }
    }

    /**
     * @param rank rank
     * @param alpha alpha
     * @param dropout dropout
     * @param targetModules modules to adapt
     * @return a config with standard (not rank-stabilised) scaling
     */
    public static LoraConfig of(int rank, double alpha, double dropout, List<String> targetModules) {
        return new LoraConfig(rank, alpha, dropout, targetModules, false);
    }

    /** @return the factor the update is multiplied by */
    public double scaling() {
        return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }
}
