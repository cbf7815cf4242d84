package ai.kaizen.trainer.pairwise;

/**
 * A {@link PreferenceObjective} over preference pairs: what the reward model and DPO add to
 * {@link PairwiseTrainingLoop}. They differ only in their loss, metrics and trainable weights.
 */
public interface PairwiseObjective extends PreferenceObjective<TokenizedPair> {

    /** @return both sequences' real tokens */
    @Override
    default int tokens(TokenizedPair pair) {
        return pair.tokens();
    }
}
