/**
 * Proximal policy optimisation from a reward (TRL's {@code PPOTrainer}, OpenRLHF): GAE advantages from a value
 * model initialised from the reward model ({@link ai.kaizen.trainer.ppo.ValueModel},
 * {@link ai.kaizen.trainer.ppo.Rollout}), a per-token KL penalty against a frozen reference with an adaptive
 * coefficient ({@link ai.kaizen.trainer.ppo.KlController}), clipped policy and value losses
 * ({@link ai.kaizen.trainer.ppo.PpoUpdate}). The rollouts, the run with its guard rails, evaluation and best
 * checkpoint, and the files with exact resume are shared with RLOO and GRPO in {@link ai.kaizen.trainer.online}.
 */
package ai.kaizen.trainer.ppo;
