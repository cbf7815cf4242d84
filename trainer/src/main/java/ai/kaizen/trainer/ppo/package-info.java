/**
 * Proximal policy optimisation from a reward (TRL's {@code PPOTrainer}, OpenRLHF): rollouts sampled
 * from the policy, a per-token KL penalty against a frozen reference, GAE advantages from a value
 * model initialised from the reward model, clipped policy and value losses; with guard rails
 * (KL and ratio limits), evaluation on held-out prompts and exact resume.
 */
package ai.kaizen.trainer.ppo;
