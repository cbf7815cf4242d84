/**
 * What the preference trainers share: {@link ai.kaizen.trainer.training.TrainingArguments} (TRL's
 * common options), pair tokenisation, the training loop ({@link
 * ai.kaizen.trainer.pairwise.PreferenceTrainingLoop}) around an algorithm's {@link
 * ai.kaizen.trainer.pairwise.PreferenceObjective} (the reward model's and DPO's over pairs, {@link
 * ai.kaizen.trainer.pairwise.PairwiseObjective}; KTO's over labelled answers), and the model output.
 */
package ai.kaizen.trainer.pairwise;
