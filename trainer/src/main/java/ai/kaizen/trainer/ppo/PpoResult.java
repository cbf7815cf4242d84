package ai.kaizen.trainer.ppo;

import ai.kaizen.trainer.online.RunResult;
import java.nio.file.Path;

/**
 * What a PPO run did.
 *
 * @param globalStep iterations done
 * @param totalSteps iterations planned
 * @param stopReason why it ended: {@code completed}, {@code stopped} (by the listener), or the guard
 *     rail that tripped ({@code kl_limit: ...}, {@code ratio_limit: ...})
 * @param outputStep the iteration whose weights the output holds
 * @param bestStep iteration of the best evaluation (-1 if none)
 * @param bestMetric its {@code metric_for_best_model} (NaN if none)
 * @param firstScore mean training score of the first iteration this process ran
 * @param lastScore mean training score of the last iteration
 * @param lastKl mean KL per response of the last iteration
 * @param resumedFrom the checkpoint it continued from, or null
 * @param outputDir where the output was saved
 */
public record PpoResult(long globalStep, long totalSteps, String stopReason, long outputStep, long bestStep,
        double bestMetric, double firstScore, double lastScore, double lastKl, Path resumedFrom,
        Path outputDir) {

    /**
     * @param run the shared loop's result
     * @return it as PPO's result
     */
    static PpoResult of(RunResult run) {
        return new PpoResult(run.globalStep(), run.totalSteps(), run.stopReason(), run.outputStep(), run.bestStep(),
                run.bestMetric(), run.firstScore(), run.lastScore(), run.lastKl(), run.resumedFrom(), run.outputDir());
    }

    /** @return whether a guard rail ended the run */
    public boolean guardRailTripped() {
        return stopReason.startsWith("kl_limit") || stopReason.startsWith("ratio_limit");
    }
}
