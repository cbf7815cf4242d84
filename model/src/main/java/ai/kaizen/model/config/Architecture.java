package ai.kaizen.model.config;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Hugging Face architectures this engine runs. All are the Llama decoder; Qwen2 adds biases to
 * the query, key and value projections. The sequence-classification variants are the same
 * backbone with a scalar {@code score} head (reward and value models).
 */
public enum Architecture {
    /** Llama 2/3.x, SmolLM/SmolLM2, TinyLlama. */
    LLAMA_CAUSAL_LM("LlamaForCausalLM", "llama", false),
    /** Qwen2 / Qwen2.5. */
    QWEN2_CAUSAL_LM("Qwen2ForCausalLM", "qwen2", false),
    /** A Llama backbone with a scalar {@code score} head. */
    LLAMA_SEQUENCE_CLASSIFICATION("LlamaForSequenceClassification", "llama", true),
    /** A Qwen2 backbone with a scalar {@code score} head. */
    QWEN2_SEQUENCE_CLASSIFICATION("Qwen2ForSequenceClassification", "qwen2", true);

    private final String hfName;
    private final String modelType;
    private final boolean scoreHead;

    Architecture(String hfName, String modelType, boolean scoreHead) {
        this.hfName = hfName;
        this.modelType = modelType;
        this.scoreHead = scoreHead;
    }

    /** @return the name used in {@code config.json}'s {@code architectures} */
    public String hfName() {
        return hfName;
    }

    /** @return the {@code model_type} value */
    public String modelType() {
        return modelType;
    }

    /** @return whether checkpoints of this architecture carry a {@code score} head and no LM head */
    public boolean hasScoreHead() {
        return scoreHead;
    }

    /** @return whether this is the Qwen2 family (q/k/v biases by definition) */
    public boolean isQwen2() {
        return "qwen2".equals(modelType);
    }

    /** @return the causal-LM architecture of the same family */
    public Architecture causalLm() {
        return isQwen2() ? QWEN2_CAUSAL_LM : LLAMA_CAUSAL_LM;
    }

    /** @return the sequence-classification architecture of the same family */
    public Architecture sequenceClassification() {
        return isQwen2() ? QWEN2_SEQUENCE_CLASSIFICATION : LLAMA_SEQUENCE_CLASSIFICATION;
    }

    /**
     * Looks an architecture up by its Hugging Face name.
     *
     * @param hfName for example {@code LlamaForCausalLM}
     * @return the architecture, or {@code null} if unsupported
     */
    public static Architecture fromHfName(String hfName) {
        for (Architecture a : values()) {
            if (a.hfName.equals(hfName)) {
                return a;
            }
        }
        return null;
    }

    /**
     * Looks the causal-LM architecture up by {@code model_type}.
     *
     * @param modelType for example {@code qwen2}
     * @return the architecture, or {@code null} if unsupported
     */
    public static Architecture fromModelType(String modelType) {
        for (Architecture a : values()) {
            if (!a.scoreHead && a.modelType.equals(modelType)) {
                return a;
            }
        }
        return null;
    }

    /** @return the supported Hugging Face names, for error messages */
    public static String supportedNames() {
        List<String> names = Arrays.stream(values()).map(Architecture::hfName).collect(Collectors.toList());
        return String.join(", ", names);
    }
}
