/**
 * Model configuration: {@link ai.kaizen.model.config.LlamaConfig} from {@code config.json} (with
 * clear errors for unsupported architectures and options) and
 * {@link ai.kaizen.model.config.GenerationConfig} from {@code generation_config.json}.
 */
package ai.kaizen.model.config;
