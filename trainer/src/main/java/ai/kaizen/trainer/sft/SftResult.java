package ai.kaizen.trainer.sft;

import java.nio.file.Path;

/**
 * What an SFT run did.
 *
 * @param globalStep updates done in total (including those before a resume)
 * @param totalSteps updates planned
 * @param trainLoss mean training loss over this process's updates (NaN if none)
 * @param bestEvalLoss lowest evaluation loss (NaN without an eval set)
 * @param bestStep the step it was reached at (-1 without an eval set)
 * @param stoppedEarly whether early stopping ended the run
 * @param resumedFrom the checkpoint the run continued from, or null
 * @param tokensPerSecond real tokens trained per second of training in this process
 * @param outputDir the final model (Hugging Face layout; PEFT adapters with LoRA)
 */
public record SftResult(long globalStep, long totalSteps, double trainLoss, double bestEvalLoss, long bestStep,
        boolean stoppedEarly, Path resumedFrom, double tokensPerSecond, Path outputDir) {}
