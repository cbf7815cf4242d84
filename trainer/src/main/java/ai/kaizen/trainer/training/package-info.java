/**
 * The training core every method is built on, so that a new method is a loss and a configuration:
 * {@link ai.kaizen.trainer.training.TrainingArguments} (the options all methods share, under transformers' and TRL's
 * names), {@link ai.kaizen.trainer.training.TrainingListener}, {@link ai.kaizen.trainer.training.MetricsLog},
 * {@link ai.kaizen.trainer.training.Checkpoints} and {@link ai.kaizen.trainer.training.TrainerState} (checkpoints and
 * resume), {@link ai.kaizen.trainer.training.EpochCursor}, {@link ai.kaizen.trainer.training.TrainableWeights} and
 * {@link ai.kaizen.trainer.training.WeightRestore} (LoRA or every weight), chat tokenisation and batches, and
 * {@link ai.kaizen.trainer.training.ModelOutput}, the one writer of a trained model.
 */
package ai.kaizen.trainer.training;
