/**
 * Helpers for trainers that drive {@code LlamaModel} with a DJL {@code GradientCollector}:
 * per-token log-probabilities ({@link ai.kaizen.model.training.TokenLogprobs}) and gradient
 * zeroing and global-norm clipping ({@link ai.kaizen.model.training.Gradients}).
 */
package ai.kaizen.model.training;
