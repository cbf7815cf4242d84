package ai.kaizen.trainer.ppo;

import ai.kaizen.trainer.online.ScoredResponse;

/**
 * One scored response and what PPO adds to it: the critic's values, and the per-token advantages and
 * value targets {@link Rollout#computeAdvantages} fills in.
 *
 * @param response the scored response
 * @param values the critic's value of the state before each response token
 * @param advantages per-token advantages
 * @param returns per-token value targets
 */
record Episode(ScoredResponse response, float[] values, float[] advantages, float[] returns) {

    Episode(ScoredResponse response, float[] values) {
        this(response, values, new float[values.length], new float[values.length]);
    }

    /**
     * @param klCoef the KL coefficient
     * @return per-token rewards: {@code -klCoef (logp - ref_logp)}, the score added on the last token
     */
    float[] tokenRewards(double klCoef) {
        float[] logprobs = response.logprobs();
        float[] refLogprobs = response.refLogprobs();
        float[] r = new float[logprobs.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (-klCoef * (logprobs[i] - refLogprobs[i]));
        }
        r[r.length - 1] += response.score();
        return r;
    }
}
