package ai.kaizen.trainer.cycle;

import java.util.Map;

/**
 * What the evaluation gate measured on held-out feedback, for {@link GateVerdict} to judge: the candidate and the
 * serving model on the same held-out prompts, and the reward model on held-out preference pairs and thumbs. Plain
 * numbers, so that the verdict can be tested without any model.
 *
 * @param prompts          distinct held-out prompts both models answered
 * @param evalLoss         held-out SFT loss per answer token of both models, and the candidate's increase
 * @param servingLength    the serving model's mean answer length, in tokens
 * @param candidateLength  the candidate's
 * @param lengthIncrease   95% bootstrap interval of the candidate's mean length minus the serving model's, or null
 * @param kl               mean over prompts of the candidate's answers' summed log-ratio to the serving model
 * @param klInterval       its 95% bootstrap interval, or null
 * @param servingDefects   the serving model's defective answers ({@link AnswerDefects}) of {@code prompts}
 * @param candidateDefects the candidate's
 * @param defectKinds      the candidate's defective answers by kind (empty, placeholder, refusal), for the report
 * @param intents          the intent classifier's agreement, or why there is none
 * @param reward           the reward model's figures, or null when the cycle has none
 * @param rewardModelNote  why there is no reward model (when {@code reward} is null)
 */
public record GateEvidence(int prompts, EvalLoss evalLoss, double servingLength, double candidateLength,
                           Interval lengthIncrease, double kl, Interval klInterval, Proportion servingDefects,
                           Proportion candidateDefects, Map<String, Integer> defectKinds, Intents intents,
                           Reward reward, String rewardModelNote) {

    /**
     * A share: {@code successes} of {@code total} (a success may be fractional: a tie counted as half a win).
     */
    public record Proportion(double successes, int total) {

        /** The share; NaN when there is nothing to count. */
        public double rate() {
            return total == 0 ? Double.NaN : successes / total;
        }

        public Interval interval() {
            return Interval.wilson(successes, total);
        }
    }

    /**
     * Held-out SFT loss per answer token.
     *
     * @param serving          the serving model's
     * @param candidate        the candidate's
     * @param increaseInterval 95% bootstrap interval of {@code candidate - serving} over held-out examples (null when
     *                         not measured)
     */
    public record EvalLoss(double serving, double candidate, Interval increaseInterval) {

        public double increase() {
            return candidate - serving;
        }
    }

    /**
     * The intent classifier's reading of both models' answers, on the held-out prompts whose intent is known.
     *
     * @param serving   serving answers whose intent, as the classifier reads it, is the prompt's
     * @param candidate the candidate's
     * @param note      how the prompts' intents are known, or why none is (then both totals are 0)
     * @param gain      95% paired bootstrap interval of the candidate's rate minus the serving model's, prompt by
     *                  prompt, or null when not measured
     */
    public record Intents(Proportion serving, Proportion candidate, String note, Interval gain) {

        /** Without a paired interval. */
        public Intents(Proportion serving, Proportion candidate, String note) {
            this(serving, candidate, note, null);
        }
    }

    /**
     * The reward model as a judge: how well it agrees with held-out feedback, and what it says of the two models.
     *
     * @param pairAccuracy       held-out preference pairs it ranks right (chosen above rejected; a tie counts half)
     * @param thumbsAuc          its AUC separating held-out thumbs-up from thumbs-down answers (NaN without both)
     * @param thumbsUp           thumbs-up answers scored
     * @param thumbsDown         thumbs-down answers scored
     * @param servingMeanScore   its mean score of the serving model's answers
     * @param candidateMeanScore of the candidate's
     * @param wins               prompts where it scores the candidate's answer above the serving model's (ties half)
     */
    public record Reward(Proportion pairAccuracy, double thumbsAuc, int thumbsUp, int thumbsDown,
                         double servingMeanScore, double candidateMeanScore, Proportion wins) {

        public Interval thumbsInterval() {
            return Interval.auc(thumbsAuc, thumbsUp, thumbsDown);
        }
    }
}
