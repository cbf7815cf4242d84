package ai.kaizen.trainer.online;

/**
 * One sampled response with what every online trainer knows about it after scoring: its tokens, the
 * policy's and the frozen reference's log-probability of each token at sampling time, and its score.
 *
 * @param promptIds the prompt's tokens
 * @param responseIds the response's tokens (EOS included when it ended with one)
 * @param logprobs the policy's log-probability of each response token at sampling time
 * @param refLogprobs the reference model's
 * @param score the reward as trained on: normalised, clipped, EOS-penalised
 * @param rawScore the reward as the reward gave it
 * @param endedWithEos whether the response ended with an end-of-sequence token
 */
public record ScoredResponse(int[] promptIds, int[] responseIds, float[] logprobs, float[] refLogprobs, float score,
        float rawScore, boolean endedWithEos) {

    /** @return prompt then response */
    public int[] allIds() {
        int[] all = new int[promptIds.length + responseIds.length];
        System.arraycopy(promptIds, 0, all, 0, promptIds.length);
        System.arraycopy(responseIds, 0, all, promptIds.length, responseIds.length);
        return all;
    }

    /** @return the KL estimate of the whole response: the sum of {@code logp - ref_logp} (k1) */
    public double kl() {
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
    public double klNonNegative() {
        double kl = 0;
        for (int i = 0; i < logprobs.length; i++) {
            double logQ = refLogprobs[i] - logprobs[i];
            kl += Math.expm1(logQ) - logQ;
        }
        return kl;
    }

    /** @return the sum of the response's log-probabilities under the policy at sampling time */
    public double logprob() {
        double s = 0;
        for (float l : logprobs) {
            s += l;
        }
        return s;
    }
}
