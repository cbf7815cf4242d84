/**
 * Reward models: {@link ai.kaizen.trainer.reward.RewardTrainer} trains a backbone plus scalar head
 * on every kind of feedback ({@link ai.kaizen.trainer.reward.RewardDataset}: preference pairs with
 * optional margins, ties, mismatched pairs, unpaired thumbs; one loss, {@link
 * ai.kaizen.trainer.reward.RewardLosses}) and reports held-out accuracy per kind ({@link
 * ai.kaizen.trainer.reward.RewardSignal}); {@link ai.kaizen.trainer.reward.RewardModel} scores
 * conversations with the result.
 */
package ai.kaizen.trainer.reward;
