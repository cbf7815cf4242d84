package ai.kaizen.trainer.optim;

/**
 * Linear warmup then cosine decay to zero, exactly as transformers'
 * {@code get_cosine_schedule_with_warmup} (TRL's {@code lr_scheduler_type="cosine"}):
 *
 * <pre>
 * lr(s) = peak * s / warmup                                        for s &lt; warmup
 * lr(s) = peak * 0.5 * (1 + cos(pi * (s - warmup) / (total - warmup)))   otherwise
 * </pre>
 *
 * where {@code s} counts optimizer updates already done. Like transformers, the first update of a
 * run with warmup uses a learning rate of 0.
 *
 * @param peak the learning rate reached at the end of warmup
 * @param warmupSteps updates of linear warmup
 * @param totalSteps all updates of the run
 */
public record WarmupCosineSchedule(double peak, int warmupSteps, int totalSteps) implements LearningRateSchedule {

    /** Validates. */
    public WarmupCosineSchedule {
        if (peak < 0 || warmupSteps < 0 || totalSteps <= 0) {
            throw new IllegalArgumentException("bad schedule: peak " + peak + ", warmup " + warmupSteps
                    + ", total " + totalSteps);
        }
    }

    /**
     * @param step updates already done (0 for the first update)
     * @return the learning rate for the next update
     */
    @Override
    public double learningRate(long step) {
        if (step < warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        // clamped: past the end the rate stays 0 (transformers' curve would rise again)
        double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return peak * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
    }
}
