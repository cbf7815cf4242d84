package ai.kaizen.trainer.reward;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.PromptIntents;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;
import java.util.List;

/** One reward-model job from files to files: what {@code kaizen train rm} and the cycle's reward-model stage call. */
public final class RewardRun {

    private RewardRun() {}

    /**
     * Loads the SFT model, trains a reward model on a preference dataset directory ({@code train.jsonl}, optional
     * {@code eval.jsonl}, TRL preference format) and saves it in {@code output_dir}; mismatched pairs as the
     * configuration says, prompts of a different kind told apart by words alone.
     *
     * @param baseModel the SFT model directory (Hugging Face layout)
     * @param config the run's configuration
     * @param datasetDir the dataset directory
     * @param listener progress callbacks
     * @return what happened
     */
    public static PairwiseResult run(Path baseModel, RewardConfig config, Path datasetDir, TrainingListener listener) {
        return run(baseModel, config, data(config, datasetDir, null, PromptIntents.NONE), listener);
    }

    /**
     * The data of a run from files: the preference and thumbs datasets' splits, plus mismatched pairs within each
     * split ({@code mismatched_pairs} per approved answer, seeded with the run's {@code seed}).
     *
     * @param config the run's configuration
     * @param pairsDir the preference dataset directory, or null
     * @param thumbsDir the thumbs dataset directory ({@code prompt}/{@code completion}/{@code label}), or null
     * @param intents the prompts' intents where known (mismatched pairs never pair two prompts of one intent)
     * @return the data
     */
    public static RewardDataset data(RewardConfig config, Path pairsDir, Path thumbsDir, PromptIntents intents) {
        return RewardDataset.read(pairsDir, thumbsDir)
                .withMismatched(config.mismatchedPairs(), config.args().seed(), intents);
    }

    /**
     * Loads the SFT model, trains a reward model on exactly the data given and saves it in {@code output_dir}.
     *
     * @param baseModel the starting model directory
     * @param config the run's configuration
     * @param data pairs and thumbs, each split
     * @param listener progress callbacks
     * @return what happened
     */
    public static PairwiseResult run(Path baseModel, RewardConfig config, RewardDataset data, TrainingListener listener) {
        try (LanguageModel model = LanguageModel.load(baseModel, TrainingDevice.modelOptions());
                RewardTrainer trainer = new RewardTrainer(config, model)) {
            return trainer.train(data, listener);
        }
    }

    /**
     * Like {@link #run(Path, RewardConfig, RewardDataset, TrainingListener)} on pairs alone, exactly these.
     *
     * @param baseModel the starting model directory
     * @param config the run's configuration
     * @param train training pairs
     * @param eval evaluation pairs (may be empty)
     * @param listener progress callbacks
     * @return what happened
     */
    public static PairwiseResult run(Path baseModel, RewardConfig config, List<PreferenceExample> train,
            List<PreferenceExample> eval, TrainingListener listener) {
        return run(baseModel, config, RewardDataset.ofPairs(train, eval), listener);
    }
}
