/**
 * Optimisation pieces shared by the trainers: {@link ai.kaizen.trainer.optim.AdamW} over DJL
 * parameter arrays, the {@link ai.kaizen.trainer.optim.WarmupCosineSchedule learning-rate schedule}
 * and global-norm clipping ({@link ai.kaizen.model.training.Gradients#clip}, in the model module).
 */
package ai.kaizen.trainer.optim;
