package ai.kaizen.trainer.pairwise;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a preference run did (reward model, DPO, KTO).
 *
 * @param globalStep updates done in total (including those before a resume)
 * @param totalSteps updates planned
 * @param trainMetrics mean training metrics over this process's updates, by TRL name ({@code loss}, ...)
 * @param evalMetrics the last evaluation's metrics ({@code eval_loss}, ...; empty without an eval set)
 * @param resumedFrom the checkpoint the run continued from, or null
 * @param pairsPerSecond training examples per second of training in this process: preference pairs, or KTO's
 *     labelled answers
 * @param tokensPerSecond real tokens (both sequences of each pair) trained per second
 * @param outputDir the output directory
 */
public record PairwiseResult(long globalStep, long totalSteps, Map<String, Double> trainMetrics,
        Map<String, Double> evalMetrics, Path resumedFrom, double pairsPerSecond, double tokensPerSecond,
        Path outputDir) {

    /** Copies the maps. */
    public PairwiseResult {
        trainMetrics = Map.copyOf(trainMetrics);
        evalMetrics = Map.copyOf(evalMetrics);
    }
}
