package ai.kaizen.trainer.online;

import java.nio.file.Path;

/**
 * What an online run did.
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
public record RunResult(long globalStep, long totalSteps, String stopReason, long outputStep, long bestStep,
        double bestMetric, double firstScore, double lastScore, double lastKl, Path resumedFrom, Path outputDir) {

    /** @return whether a guard rail ended the run */
    public boolean guardRailTripped() {
        return stopReason.startsWith("kl_limit") || stopReason.startsWith("ratio_limit");
    }
}
