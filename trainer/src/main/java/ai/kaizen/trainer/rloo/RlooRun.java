package ai.kaizen.trainer.rloo;

import ai.kaizen.trainer.online.OnlineRun;
import ai.kaizen.trainer.online.RunResult;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;

/** One RLOO job from files to files: what {@code kaizen train rloo} and the cycle's {@code rloo} stage call. */
public final class RlooRun {

    private RlooRun() {}

    /**
     * @param policyDir the policy to train (usually the SFT output), Hugging Face layout
     * @param rewardModelDir the reward model: backbone + {@code scalar_head.safetensors} (+ {@code reward_stats.json})
     * @param config the run's options
     * @param datasetDir prompts: {@code train.jsonl}, optional {@code eval.jsonl}
     * @param listener progress callbacks
     * @return what happened
     */
    public static RunResult run(Path policyDir, Path rewardModelDir, RlooConfig config, Path datasetDir,
            TrainingListener listener) {
        return OnlineRun.run(policyDir, rewardModelDir, datasetDir, listener,
                (policy, reward) -> RlooTrainer.create(config, policy, reward));
    }
}
