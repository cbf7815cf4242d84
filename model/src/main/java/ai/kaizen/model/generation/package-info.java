/**
 * Generation: {@link ai.kaizen.model.generation.Generator} runs the decode loop (single or batched,
 * greedy or sampled) with stop ids, stop strings, per-token log-probabilities and a streaming
 * {@link ai.kaizen.model.generation.TokenListener}.
 */
package ai.kaizen.model.generation;
