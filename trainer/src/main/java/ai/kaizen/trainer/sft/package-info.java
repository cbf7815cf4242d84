/**
 * Supervised fine-tuning: {@link ai.kaizen.trainer.sft.SftTrainer} (TRL's {@code SFTTrainer}) with
 * its {@link ai.kaizen.trainer.sft.SftConfig}, the assistant-only
 * {@link ai.kaizen.trainer.training.ChatTokenization tokenisation}, batching and loss, atomic
 * {@link ai.kaizen.trainer.training.Checkpoints checkpoints} and {@code metrics.jsonl}, and
 * {@link ai.kaizen.trainer.sft.SftRun} for load, train and save in one call.
 */
package ai.kaizen.trainer.sft;
