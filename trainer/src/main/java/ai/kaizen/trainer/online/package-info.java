/**
 * What the online trainers (PPO, RLOO, GRPO) share: the {@link ai.kaizen.trainer.online.Reward}s, the rollouts
 * ({@link ai.kaizen.trainer.online.RolloutSampler}: sample, score, log-probabilities under the policy and the
 * frozen reference), an iteration's course ({@link ai.kaizen.trainer.online.OnlineTrainer}) and its optimizer
 * updates ({@link ai.kaizen.trainer.online.PolicyUpdate}), the run ({@link ai.kaizen.trainer.online.OnlineTrainingLoop}:
 * guard rails, evaluation during training and the best checkpoint, metrics), the files
 * ({@link ai.kaizen.trainer.online.RunDirectory}, {@link ai.kaizen.trainer.online.RunState}: checkpoints and exact
 * resume), and the critic-free trainer of RLOO and GRPO ({@link ai.kaizen.trainer.online.GroupTrainer}, each method a
 * {@link ai.kaizen.trainer.online.GroupMethod}).
 */
package ai.kaizen.trainer.online;
