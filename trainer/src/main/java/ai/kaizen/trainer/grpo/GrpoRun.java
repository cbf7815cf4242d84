package ai.kaizen.trainer.grpo;

import ai.kaizen.trainer.online.OnlineRun;
import ai.kaizen.trainer.online.RunResult;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;

/** One GRPO job from files to files: what {@code kaizen train grpo} and the cycle's {@code grpo} stage call. */
public final class GrpoRun {

    private GrpoRun() {}

    /**
     * @param policyDir the policy to train (usually the SFT output), Hugging Face layout
     * @param rewardModelDir the reward model: backbone + {@code scalar_head.safetensors} (+ {@code reward_stats.json})
     * @param config the run's options
     * @param datasetDir prompts: {@code train.jsonl}, optional {@code eval.jsonl}
     * @param listener progress callbacks
     * @return what happened
     */
    public static RunResult run(Path policyDir, Path rewardModelDir, GrpoConfig config, Path datasetDir,
            TrainingListener listener) {
        return OnlineRun.run(policyDir, rewardModelDir, datasetDir, listener,
                (policy, reward) -> GrpoTrainer.create(config, policy, reward));
    }
}
