package ai.kaizen.trainer.ppo;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.online.EvaluationJudge;
import ai.kaizen.trainer.online.PromptDataset;
import ai.kaizen.trainer.online.Reward;
import ai.kaizen.trainer.online.RewardModelReward;
import ai.kaizen.trainer.reward.RewardModel;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;
import java.util.List;

/**
 * One PPO job from files to files: load the policy, the reward model (which also initialises the
 * critic), the prompts; train; save. What {@code kaizen train ppo} calls.
 */
public final class PpoRun {

    private PpoRun() {}

    /**
     * @param policyDir the policy to train (usually the SFT output), Hugging Face layout
     * @param rewardModelDir the reward model: backbone + {@code scalar_head.safetensors}
     *     (+ {@code reward_stats.json})
     * @param config the run's configuration
     * @param datasetDir prompts: {@code train.jsonl}, optional {@code eval.jsonl}
     * @param listener progress callbacks
     * @return what happened
     */
    public static PpoResult run(Path policyDir, Path rewardModelDir, PpoConfig config, Path datasetDir,
            TrainingListener listener) {
        return run(policyDir, rewardModelDir, config, datasetDir, listener, null);
    }

    /**
     * As {@link #run(Path, Path, PpoConfig, Path, TrainingListener)}, with the evaluations also judged.
     *
     * @param judge judges the evaluation answers besides the reward ({@link EvaluationJudge}), or null
     */
    public static PpoResult run(Path policyDir, Path rewardModelDir, PpoConfig config, Path datasetDir,
            TrainingListener listener, EvaluationJudge judge) {
        List<List<ChatMessage>> train = readPrompts(datasetDir, Split.TRAIN);
        List<List<ChatMessage>> eval = readPrompts(datasetDir, Split.EVAL);
        try (LanguageModel policy = LanguageModel.load(policyDir, TrainingDevice.modelOptions());
                Reward reward = new RewardModelReward(RewardModel.load(rewardModelDir));
                PpoTrainer trainer = PpoTrainer.create(config, policy, rewardModelDir, reward)) {
            trainer.judgeEvaluationsBy(judge);
            return trainer.train(train, eval, listener);
        }
    }

    /**
     * @param datasetDir a dataset directory
     * @param split which split
     * @return its prompts ({@code <split>.jsonl}; none if the file is absent)
     */
    public static List<List<ChatMessage>> readPrompts(Path datasetDir, Split split) {
        return PromptDataset.read(datasetDir, split);
    }
}
