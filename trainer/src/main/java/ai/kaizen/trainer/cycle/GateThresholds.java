package ai.kaizen.trainer.cycle;

import io.vertx.core.json.JsonObject;

/**
 * When a candidate passes the evaluation gate (options under {@code "gate"} in a cycle's request).
 *
 * @param maxEvalLossIncrease the candidate's held-out SFT loss may exceed the serving model's by at most this
 * @param maxLengthRatio      its mean answer length may be at most this many times the serving model's
 * @param minWinRate          with a reward model: the share of prompts where the reward model prefers the
 *                            candidate's answer (ties count half) must reach this
 * @param maxKl               the candidate's answers may be at most this many nats (summed over an answer, mean over
 *                            prompts) more likely under the candidate than under the serving model; 20 is PPO's own
 *                            {@code kl_limit} default
 */
public record GateThresholds(double maxEvalLossIncrease, double maxLengthRatio, double minWinRate, double maxKl) {

    public static final GateThresholds DEFAULTS = new GateThresholds(0.0, 2.0, 0.5, 20.0);

    public static GateThresholds fromJson(JsonObject json) {
        return new GateThresholds(
                json.getDouble("max_eval_loss_increase", DEFAULTS.maxEvalLossIncrease()),
                json.getDouble("max_length_ratio", DEFAULTS.maxLengthRatio()),
                json.getDouble("min_win_rate", DEFAULTS.minWinRate()),
                json.getDouble("max_kl", DEFAULTS.maxKl()));
    }
}
