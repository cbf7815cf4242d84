package ai.kaizen.trainer.ppo;

import ai.kaizen.trainer.online.OnlineTrainer;
import ai.kaizen.trainer.online.RolloutStats;
import ai.kaizen.trainer.online.ScoredResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * The episodes of one PPO iteration, with the critic's values, and their GAE advantages and returns.
 *
 * @param episodes the episodes
 * @param klCoef the KL coefficient their rewards use
 */
record Rollout(List<Episode> episodes, double klCoef) implements OnlineTrainer.Prepared {

    int size() {
        return episodes.size();
    }

    /** @return the scored responses, for the statistics every online trainer logs */
    @Override
    public RolloutStats stats() {
        List<ScoredResponse> responses = new ArrayList<>(size());
        for (Episode e : episodes) {
            responses.add(e.response());
        }
        return new RolloutStats(responses);
    }

    /**
     * Per-token rewards, GAE advantages and returns (TRL's order: rewards optionally whitened,
     * advantages whitened after the returns are taken).
     */
    void computeAdvantages(PpoConfig config) {
        float[][] rewards = new float[size()][];
        for (int i = 0; i < size(); i++) {
            rewards[i] = episodes.get(i).tokenRewards(klCoef);
        }
        if (config.whitenRewards()) {
            Whitening.whiten(rewards, false);
        }
        float[][] advantages = new float[size()][];
        for (int i = 0; i < size(); i++) {
            Episode e = episodes.get(i);
            Gae.Result gae = Gae.compute(rewards[i], e.values(), config.gamma(), config.lam());
            System.arraycopy(gae.returns(), 0, e.returns(), 0, e.returns().length);
            advantages[i] = gae.advantages();
        }
        if (config.whitenAdvantages()) {
            Whitening.whiten(advantages, true);
        }
        for (int i = 0; i < size(); i++) {
            System.arraycopy(advantages[i], 0, episodes.get(i).advantages(), 0, advantages[i].length);
        }
    }
}
