package ai.kaizen.trainer.online;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What a batch of scored responses says, under TRL's PPO metric names. PPO, RLOO and GRPO log the same
 * names for the same quantities, so their runs read alike on one chart and the guard rails and the
 * evaluation gate read one name ({@code objective/kl_k3}).
 *
 * @param responses the batch
 */
public record RolloutStats(List<ScoredResponse> responses) {

    /** @return responses in the batch */
    public int size() {
        return responses.size();
    }

    /** @return mean KL per response (k1, the sum of {@code logp - ref_logp}) */
    public double meanKl() {
        return mean(ScoredResponse::kl);
    }

    /** @return mean non-negative KL per response (k3), what {@code kl_limit} is checked against */
    public double meanKlNonNegative() {
        return mean(ScoredResponse::klNonNegative);
    }

    /** @return each response's score (as trained on), in order */
    public float[] scores() {
        float[] s = new float[size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = responses.get(i).score();
        }
        return s;
    }

    /** @return the mean score as trained on */
    public double meanScore() {
        return mean(ScoredResponse::score);
    }

    /** @return the mean score as the reward gave it */
    public double meanRawScore() {
        return mean(ScoredResponse::rawScore);
    }

    /** @return the mean response length in tokens */
    public double meanLength() {
        return mean(r -> r.responseIds().length);
    }

    /** @return responses that ended with EOS */
    public int eosCount() {
        int n = 0;
        for (ScoredResponse r : responses) {
            n += r.endedWithEos() ? 1 : 0;
        }
        return n;
    }

    /** @return TRL's entropy estimate: the mean over responses of the summed negative log-probabilities */
    public double entropy() {
        return mean(r -> -r.logprob());
    }

    /**
     * @param klCoef the KL coefficient of the objective (PPO's current beta; RLOO's and GRPO's fixed beta)
     * @return the batch's metrics
     */
    public Map<String, Number> metrics(double klCoef) {
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

    private double mean(ToDoubleFunction<ScoredResponse> f) {
        double s = 0;
        for (ScoredResponse r : responses) {
            s += f.applyAsDouble(r);
        }
        return responses.isEmpty() ? Double.NaN : s / responses.size();
    }
}
