package ai.kaizen.trainer.online;

import java.util.Locale;

/**
 * The limits that stop an online run instead of letting it drift silently: a mean KL per response (the
 * non-negative k3 estimate, {@code objective/kl_k3}) above {@code kl_limit} stops it before the update, a
 * mean probability ratio above {@code ratio_limit} stops the update in progress. Either way the run falls
 * back to its last good checkpoint and says why in {@code eval_report.json}.
 *
 * @param klLimit nats per response (0: never)
 * @param ratioLimit mean ratio of new to sampling-time probability in a micro-batch (0: never)
 */
public record GuardRails(double klLimit, double ratioLimit) {

    /** Validates. */
    public GuardRails {
        if (!(klLimit >= 0 && ratioLimit >= 0)) {
            throw new IllegalArgumentException("kl_limit and ratio_limit must be >= 0");
        }
    }

    /**
     * Why a guard rail stopped a run.
     *
     * @param reason the stop reason ({@code kl_limit: ...}, {@code ratio_limit: ...})
     * @param lastGoodStep the newest iteration whose weights are still trusted
     */
    public record Trip(String reason, long lastGoodStep) {}

    /**
     * Checked before the update: a KL seen in the rollout judges the weights of the previous update.
     *
     * @param rollout the iteration's responses
     * @param step the iteration (0-based)
     * @return the trip, or null
     */
    public Trip checkKl(RolloutStats rollout, long step) {
        if (klLimit > 0 && !(rollout.meanKlNonNegative() <= klLimit)) {
            return new Trip(String.format(Locale.ROOT, "kl_limit: objective/kl_k3 %.4f > kl_limit %.4f at step %d",
                    rollout.meanKlNonNegative(), klLimit, step + 1), Math.max(0, step - 1));
        }
        return null;
    }

    /**
     * @param meanRatio a micro-batch's mean probability ratio
     * @return whether it passes the limit (the update must stop)
     */
    public boolean ratioExploded(double meanRatio) {
        return ratioLimit > 0 && !(meanRatio <= ratioLimit);
    }

    /**
     * Checked during the update: a ratio exploding leaves the weights before the update good.
     *
     * @param meanRatio the ratio that exploded
     * @param step the iteration (0-based)
     * @return the trip
     */
    public Trip ratioTrip(double meanRatio, long step) {
        return new Trip(String.format(Locale.ROOT, "ratio_limit: val/ratio %.4f > ratio_limit %.4f at step %d",
                meanRatio, ratioLimit, step + 1), step);
    }
}
