/**
 * Kaizen's model engine: Llama-family causal language models (Llama 2/3.x, SmolLM, TinyLlama,
 * Qwen2) on DJL's PyTorch engine, from Hugging Face checkpoints to streamed tokens and back.
 *
 * <ul>
 *   <li>{@link ai.kaizen.model.LanguageModel}: a model directory loaded for inference (network,
 *       tokenizer and chat template, generation defaults, generator).
 *   <li>{@code config}: {@code config.json} and {@code generation_config.json}.
 *   <li>{@code safetensors}: memory-mapped reading (shards, F32/F16/BF16) and writing.
 *   <li>{@code tokenizer}: Hugging Face tokenizer, Jinja chat templates, streaming detokenization.
 *   <li>{@code llama}: the network, its KV cache and its decode kernels.
 *   <li>{@code generation}: the decode loop, sampling, stop conditions, streaming callbacks.
 *   <li>{@code lora}: LoRA adapters in PEFT layout.
 *   <li>{@code head}: scalar (value/reward) heads.
 *   <li>{@code bench}: decode and memory benchmarks.
 *   <li>{@code placeholder}: filling an answer's {@code {{placeholders}}} as it streams, with the values the
 *       customer gave earlier in the conversation.
 * </ul>
 *
 * Errors a user can fix (missing files, unsupported architectures) are {@link ai.kaizen.model.ModelException}s
 * whose message is one line meant to be shown as it is.
 */
package ai.kaizen.model;
