/**
 * Optimisation pieces shared by the trainers: {@link ai.kaizen.trainer.optim.AdamW} over DJL
 * parameter arrays, the {@link ai.kaizen.trainer.optim.WarmupCosineSchedule learning-rate schedule}
 * and {@link ai.kaizen.trainer.optim.GradientClipping global-norm clipping}.
 */
package ai.kaizen.trainer.optim;
