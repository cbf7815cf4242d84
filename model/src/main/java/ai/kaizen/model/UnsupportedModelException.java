package ai.kaizen.model;

/**
 * A well-formed model that uses an architecture, option or data type this engine does not
 * implement (for example {@code MistralForCausalLM}, {@code hidden_act: gelu} or a YaRN
 * {@code rope_scaling}). The message names the unsupported feature.
 */
public class UnsupportedModelException extends ModelException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception naming the unsupported feature.
     *
     * @param message what is unsupported and where it was found
     */
    public UnsupportedModelException(String message) {
        super(message);
    }
}
