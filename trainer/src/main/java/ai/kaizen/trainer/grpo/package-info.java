/**
 * Group relative policy optimisation (Shao et al. 2024, DeepSeekMath; TRL's {@code GRPOTrainer}): k answers per
 * prompt, each answer's advantage its reward's distance from its group's mean (divided by the group's standard
 * deviation unless {@code scale_rewards} says otherwise), a clipped token-level surrogate with the KL to the
 * reference in the loss, and a choice of loss normalisations against length bias (Dr. GRPO, DAPO). No critic. The
 * run (rollouts, evaluation, guard rails, checkpoints) is {@link ai.kaizen.trainer.online.GroupTrainer}'s.
 */
package ai.kaizen.trainer.grpo;
