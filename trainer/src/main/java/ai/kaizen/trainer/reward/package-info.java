/**
 * Reward models: {@link ai.kaizen.trainer.reward.RewardTrainer} trains a backbone plus scalar head
 * on preference pairs (Bradley-Terry, optional margins), {@link ai.kaizen.trainer.reward.RewardModel}
 * scores conversations with the result.
 */
package ai.kaizen.trainer.reward;
