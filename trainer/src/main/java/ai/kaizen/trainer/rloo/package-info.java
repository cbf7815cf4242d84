/**
 * REINFORCE leave-one-out (Ahmadian et al. 2024, "Back to Basics"; TRL's {@code RLOOTrainer}): k answers per
 * prompt, the KL to the reference subtracted from each answer's reward, each answer's advantage its reward minus
 * the mean reward of the other k - 1 answers to the same prompt, and a clipped sequence-level surrogate. No critic.
 * The run (rollouts, evaluation, guard rails, checkpoints) is {@link ai.kaizen.trainer.online.GroupTrainer}'s.
 */
package ai.kaizen.trainer.rloo;
