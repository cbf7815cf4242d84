/**
 * The decoder network: {@link ai.kaizen.model.llama.LlamaModel} (explicit NDArray maths, DJL
 * parameters under Hugging Face names), {@link ai.kaizen.model.llama.KvCache} for incremental
 * decoding, and the decode kernels ({@link ai.kaizen.model.llama.DecodeKernel}).
 */
package ai.kaizen.model.llama;
