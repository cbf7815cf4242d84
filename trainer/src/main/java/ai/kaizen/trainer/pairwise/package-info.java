/**
 * What the preference trainers share: {@link ai.kaizen.trainer.pairwise.TrainingArguments} (TRL's
 * common options), pair tokenisation, the training loop ({@link
 * ai.kaizen.trainer.pairwise.PairwiseTrainingLoop}) around an algorithm's {@link
 * ai.kaizen.trainer.pairwise.PairwiseObjective}, and the model output.
 */
package ai.kaizen.trainer.pairwise;
