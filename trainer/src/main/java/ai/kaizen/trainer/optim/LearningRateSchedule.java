package ai.kaizen.trainer.optim;

/** The learning rate of each optimizer update of a run. */
@FunctionalInterface
public interface LearningRateSchedule {

    /**
     * @param step updates already done (0 for the first update)
     * @return the learning rate for the next update
     */
    double learningRate(long step);

    /**
     * Linear warmup from 0, then the peak rate to the end (PPO's: TRL's PPO has no decay within one run).
     *
     * @param peak the rate after warmup
     * @param warmupSteps updates of warmup (0: the peak from the first update)
     * @return the schedule
     */
    static LearningRateSchedule warmupThenConstant(double peak, int warmupSteps) {
        if (peak < 0 || warmupSteps < 0) {
            throw new IllegalArgumentException("bad schedule: peak " + peak + ", warmup " + warmupSteps);
        }
        return step -> step < warmupSteps ? peak * step / warmupSteps : peak;
    }
}
