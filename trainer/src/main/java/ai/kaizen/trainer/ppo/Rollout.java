package ai.kaizen.trainer.ppo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The episodes of one PPO iteration and their statistics under TRL's metric names.
 *
 * @param episodes the episodes
 * @param klCoef the KL coefficient their rewards use
 */
record Rollout(List<Episode> episodes, double klCoef) {

    int size() {
        return episodes.size();
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

    double meanKl() {
        return mean(Episode::kl);
    }

    double meanKlNonNegative() {
        return mean(Episode::klNonNegative);
    }

    /** @return each episode's score (as trained on), in episode order */
    float[] scores() {
        float[] s = new float[size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = episodes.get(i).score();
        }
        return s;
    }

    double meanScore() {
        return mean(Episode::score);
    }

    double meanRawScore() {
        return mean(Episode::rawScore);
    }

    double meanLength() {
        return mean(e -> e.responseIds().length);
    }

    int eosCount() {
        int n = 0;
        for (Episode e : episodes) {
            n += e.endedWithEos() ? 1 : 0;
        }
        return n;
    }

    /** TRL's entropy estimate: the mean over responses of the summed negative log-probabilities. */
    double entropy() {
        return mean(e -> {
            double s = 0;
            for (float l : e.logprobs()) {
                s -= l;
            }
            return s;
        });
    }

    /**
     * @param klCoefNow the coefficient after this iteration's controller update (logged alongside)
     * @return the iteration's rollout metrics
     */
    Map<String, Number> metrics(double klCoefNow) {
        Map<String, Number> m = new LinkedHashMap<>();
        double kl = meanKl();
        double nonScore = -klCoef * kl;
        m.put("objective/kl", kl);
        m.put("objective/kl_k3", meanKlNonNegative());
        m.put("objective/entropy", entropy());
        m.put("objective/non_score_reward", nonScore);
        m.put("objective/rlhf_reward", meanScore() + nonScore);
        m.put("objective/scores", meanScore());
        m.put("objective/raw_scores", meanRawScore());
        m.put("val/num_eos_tokens", eosCount());
        m.put("val/response_length", meanLength());
        return m;
    }

    private double mean(java.util.function.ToDoubleFunction<Episode> f) {
        double s = 0;
        for (Episode e : episodes) {
            s += f.applyAsDouble(e);
        }
        return episodes.isEmpty() ? Double.NaN : s / episodes.size();
    }
}
