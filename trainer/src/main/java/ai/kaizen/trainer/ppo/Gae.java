package ai.kaizen.trainer.ppo;

/**
 * Generalised advantage estimation (Schulman et al. 2016) over one response, as TRL computes it:
 * {@code delta_t = r_t + gamma V_{t+1} - V_t}, {@code A_t = delta_t + gamma lam A_{t+1}}, with
 * {@code V} after the last token taken as 0 (the episode ends with the response), and returns
 * {@code A_t + V_t} as the value targets.
 */
public final class Gae {

    private Gae() {}

    /**
     * Advantages and value targets of one response.
     *
     * @param advantages per-token advantages
     * @param returns per-token value targets ({@code advantages + values})
     */
    public record Result(float[] advantages, float[] returns) {}

    /**
     * @param rewards per-token rewards (KL penalty on every token, the score added on the last)
     * @param values the value model's estimate before each token
     * @param gamma discount
     * @param lam GAE's lambda (bias/variance trade-off)
     * @return advantages and returns, one per token
     */
    public static Result compute(float[] rewards, float[] values, double gamma, double lam) {
        if (rewards.length != values.length) {
            throw new IllegalArgumentException("rewards and values differ in length");
        }
        int n = rewards.length;
        float[] advantages = new float[n];
        float[] returns = new float[n];
        double last = 0;
        for (int t = n - 1; t >= 0; t--) {
            double next = t + 1 < n ? values[t + 1] : 0;
            double delta = rewards[t] + gamma * next - values[t];
            last = delta + gamma * lam * last;
            advantages[t] = (float) last;
            returns[t] = (float) (last + values[t]);
        }
        return new Result(advantages, returns);
    }
}
