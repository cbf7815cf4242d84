package ai.kaizen.trainer.online;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.reward.RewardModel;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One critic-free job (RLOO, GRPO) from files to files: load the policy, the reward model, the prompts; train;
 * save.
 */
public final class OnlineRun {

    private OnlineRun() {}

    /** Makes the method's trainer for a loaded policy and reward. */
    public interface TrainerFactory {
        /**
         * @param policy the loaded policy
         * @param reward the reward model's reward
         * @return the trainer
         */
        GroupTrainer create(LanguageModel policy, Reward reward);
    }

    /**
     * @param policyDir the policy to train (usually the SFT output), Hugging Face layout
     * @param rewardModelDir the reward model: backbone + {@code scalar_head.safetensors} (+ {@code reward_stats.json})
     * @param datasetDir prompts: {@code train.jsonl}, optional {@code eval.jsonl}
     * @param listener progress callbacks
     * @param rewardShaping what the method makes of the reward model's reward (it owns what it is given)
     * @param factory the method's trainer
     * @param judge judges the evaluation answers besides the reward ({@link EvaluationJudge}), or null
     * @return what happened
     */
    public static RunResult run(Path policyDir, Path rewardModelDir, Path datasetDir, TrainingListener listener,
            UnaryOperator<Reward> rewardShaping, TrainerFactory factory, EvaluationJudge judge) {
        List<List<ChatMessage>> train = PromptDataset.read(datasetDir, Split.TRAIN);
        List<List<ChatMessage>> eval = PromptDataset.read(datasetDir, Split.EVAL);
        try (LanguageModel policy = LanguageModel.load(policyDir, TrainingDevice.modelOptions());
                Reward reward = rewardShaping.apply(new RewardModelReward(RewardModel.load(rewardModelDir)));
                GroupTrainer trainer = factory.create(policy, reward)) {
            trainer.judgeEvaluationsBy(judge);
            return trainer.train(train, eval, listener);
        }
    }
}
