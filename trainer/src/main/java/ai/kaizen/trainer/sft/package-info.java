/**
 * Supervised fine-tuning: {@link ai.kaizen.trainer.sft.SftTrainer} (TRL's {@code SFTTrainer}) with
 * its {@link ai.kaizen.trainer.sft.SftConfig}, the causal-LM loss on assistant tokens, packed text for pretraining,
 * and {@link ai.kaizen.trainer.sft.SftRun} for load, train and save in one call. Tokenisation, checkpoints, metrics
 * and the output are the training core's ({@code ai.kaizen.trainer.training}).
 */
package ai.kaizen.trainer.sft;
