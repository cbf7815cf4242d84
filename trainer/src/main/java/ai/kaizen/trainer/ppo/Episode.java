package ai.kaizen.trainer.ppo;

/**
 * One sampled response and what PPO knows about it; {@code advantages} and {@code returns} are
 * filled in by {@link Rollout#computeAdvantages}.
 *
 * @param promptIds the prompt's tokens
 * @param responseIds the response's tokens (EOS included when it ended with one)
 * @param logprobs the policy's log-probability of each response token at sampling time
 * @param refLogprobs the reference model's
 * @param values the critic's value of the state before each response token
 * @param score the reward as trained on: normalised, clipped, EOS-penalised
 * @param rawScore the reward as the reward gave it
 * @param endedWithEos whether the response ended with an end-of-sequence token
 * @param advantages per-token advantages
 * @param returns per-token value targets
 */
record Episode(int[] promptIds, int[] responseIds, float[] logprobs, float[] refLogprobs, float[] values, float score,
        float rawScore, boolean endedWithEos, float[] advantages, float[] returns) {

    Episode(int[] promptIds, int[] responseIds, float[] logprobs, float[] refLogprobs, float[] values, float score,
            float rawScore, boolean endedWithEos) {
        this(promptIds, responseIds, logprobs, refLogprobs, values, score, rawScore, endedWithEos,
                new float[responseIds.length], new float[responseIds.length]);
    }

    /** @return prompt then response */
    int[] allIds() {
        int[] all = new int[promptIds.length + responseIds.length];
        System.arraycopy(promptIds, 0, all, 0, promptIds.length);
        System.arraycopy(responseIds, 0, all, promptIds.length, responseIds.length);
        return all;
    }

    /** @return the KL estimate of the whole response: the sum of {@code logp - ref_logp} */
    double kl() {
        double kl = 0;
        for (int i = 0; i < logprobs.length; i++) {
            kl += logprobs[i] - refLogprobs[i];
        }
        return kl;
    }

    /**
     * The non-negative KL estimate of the whole response (Schulman's k3: the sum over tokens of
     * {@code (q - 1) - log q} with {@code q = p_ref / p}). Unbiased like k1 but never below 0, so a
     * batch cannot hide drift behind tokens whose k1 is negative: the guard rail reads this one.
     *
     * @return the estimate, in nats
     */
    double klNonNegative() {
        double kl = 0;
        for (int i = 0; i < logprobs.length; i++) {
            double logQ = refLogprobs[i] - logprobs[i];
            kl += Math.expm1(logQ) - logQ;
        }
        return kl;
    }

    /**
     * @param klCoef the KL coefficient
     * @return per-token rewards: {@code -klCoef (logp - ref_logp)}, the score added on the last token
     */
    float[] tokenRewards(double klCoef) {
        float[] r = new float[logprobs.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (-klCoef * (logprobs[i] - refLogprobs[i]));
        }
        r[r.length - 1] += score;
        return r;
    }
}
