/**
 * The offline preference methods' loop: pair tokenisation and the training loop ({@link
 * ai.kaizen.trainer.pairwise.PreferenceTrainingLoop}) around an algorithm's {@link
 * ai.kaizen.trainer.pairwise.PreferenceObjective} (the reward model's and DPO's over pairs, {@link
 * ai.kaizen.trainer.pairwise.PairwiseObjective}; KTO's over labelled answers). Options, checkpoints, metrics and the
 * output are the training core's ({@code ai.kaizen.trainer.training}).
 */
package ai.kaizen.trainer.pairwise;
