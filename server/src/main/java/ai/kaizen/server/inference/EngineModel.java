package ai.kaizen.server.inference;

/**
 * What an external OpenAI-compatible engine calls a model version: the {@code model} of its requests, a served
 * model's name or a LoRA adapter's (vLLM's {@code --lora-modules name=path}). A hot swap to another version changes
 * the name the next requests send.
 */
public record EngineModel(String name) {
    public EngineModel {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an engine model name must not be blank");
        }
    }
}
