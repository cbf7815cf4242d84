package ai.kaizen.trainer.ppo;

/**
 * The KL penalty coefficient {@code beta}: fixed, or adaptive as in Ziegler et al. 2019
 * ("Fine-tuning language models from human preferences", section 2.2) and old TRL's
 * {@code AdaptiveKLController}: after each batch,
 * {@code e = clip(KL / target - 1, -0.2, 0.2)} and {@code beta *= 1 + e * n / horizon}, which
 * raises the penalty while the policy drifts further than the target and lowers it otherwise.
 *
 * @param value the current coefficient
 * @param adaptive whether {@link #update} changes it
 * @param target the KL (nats per response) the controller steers towards
 * @param horizon how many episodes it takes to move {@code beta} by the (clipped) error
 */
public record KlController(double value, boolean adaptive, double target, double horizon) {

    /** Validates. */
    public KlController {
        if (!(value >= 0)) {
            throw new IllegalArgumentException("kl_coef must be >= 0");
        }
        if (adaptive && !(target > 0 && horizon > 0)) {
            throw new IllegalArgumentException("target and horizon must be positive");
        }
    }

    /**
     * @param currentKl the batch's mean KL per response
     * @param episodes responses in the batch
     * @return the controller after the batch (itself when fixed)
     */
    public KlController update(double currentKl, int episodes) {
        if (!adaptive || !Double.isFinite(currentKl)) {
            return this;
        }
        double error = Math.max(-0.2, Math.min(0.2, currentKl / target - 1));
        double multiplier = 1 + error * episodes / horizon;
        return new KlController(value * multiplier, true, target, horizon);
    }

    /** @param coefficient a coefficient (restored from a checkpoint) @return this controller at it */
    public KlController withValue(double coefficient) {
        return new KlController(coefficient, adaptive, target, horizon);
    }
}
