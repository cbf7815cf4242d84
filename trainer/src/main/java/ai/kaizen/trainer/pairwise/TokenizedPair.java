package ai.kaizen.trainer.pairwise;

import ai.kaizen.trainer.training.TokenizedExample;

/**
 * A preference pair as tokens: prompt plus chosen answer, prompt plus rejected answer, each with
 * its answer tokens marked (the tokens DPO scores; the reward model reads the last token).
 *
 * @param chosen the conversation ending with the better answer
 * @param rejected the conversation ending with the worse answer
 * @param margin the pair's margin (0 if none)
 */
public record TokenizedPair(TokenizedExample chosen, TokenizedExample rejected, double margin) {

    /** @return real tokens of both sequences */
    public int tokens() {
        return chosen.length() + rejected.length();
    }
}
