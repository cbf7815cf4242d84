package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.reward.RewardTrainer;

import java.util.ArrayList;
import java.util.List;

/**
 * How far a reward model agrees with feedback it was not trained on: the held-out split of the cycle's preference
 * pairs and thumbs (split by prompt before any training, so the reward model never saw these prompts). A judge
 * that disagrees with the users cannot vouch for a candidate.
 */
final class RewardModelAgreement {

    /**
     * The reward model's separation of thumbs-up from thumbs-down answers.
     *
     * @param auc  the probability that a thumbs-up answer scores above a thumbs-down one (ties half); NaN without
     *             both
     */
    record ThumbsAuc(double auc, int up, int down) {
    }

    private RewardModelAgreement() {
    }

    /**
     * Pairs whose chosen answer scores above the rejected one, a tie counting half (a constant judge gets 0.5).
     * Pairs the users called a tie ({@link PreferenceExample#tie()}) have no chosen answer and are left out.
     */
    static GateEvidence.Proportion pairAccuracy(ResponseScorer scorer, List<PreferenceExample> pairs) {
        double right = 0;
        int decided = 0;
        for (PreferenceExample pair : pairs) {
            if (pair.tie()) {
                continue;
            }
            decided++;
            double chosen = scorer.score(pair.prompt(), pair.chosen());
            double rejected = scorer.score(pair.prompt(), pair.rejected());
            right += chosen > rejected ? 1 : chosen == rejected ? 0.5 : 0;
        }
        return new GateEvidence.Proportion(right, decided);
    }

    /**
     * The AUC of the scores of thumbs-up against thumbs-down answers: over every (up, down) pair, across prompts,
     * the share where the up answer scores higher. Across prompts because held-out prompts with both an up and a
     * down answer are rare; a reward model's scores are meant to be comparable between prompts anyway (PPO
     * normalises them with one mean and deviation).
     */
    static ThumbsAuc thumbsAuc(ResponseScorer scorer, List<ThumbsExample> thumbs) {
        List<Double> up = new ArrayList<>();
        List<Double> down = new ArrayList<>();
        for (ThumbsExample t : thumbs) {
            (t.label() ? up : down).add(scorer.score(t.prompt(), t.completion()));
        }
        return new ThumbsAuc(RewardTrainer.auc(up, down), up.size(), down.size());
    }
}
