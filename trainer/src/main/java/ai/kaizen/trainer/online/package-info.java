/**
 * What the online trainers (PPO, RLOO, GRPO) share: the {@link ai.kaizen.trainer.online.Reward}s, the rollouts
 * ({@link ai.kaizen.trainer.online.RolloutSampler}: sample, score, log-probabilities under the policy and the
 * frozen reference), the run ({@link ai.kaizen.trainer.online.OnlineTrainingLoop}: guard rails, evaluation during
 * training and the best checkpoint, metrics), the files ({@link ai.kaizen.trainer.online.RunDirectory},
 * {@link ai.kaizen.trainer.online.RunState}: checkpoints and exact resume), and the critic-free trainer of RLOO and
 * GRPO ({@link ai.kaizen.trainer.online.GroupTrainer}).
 */
package ai.kaizen.trainer.online;
