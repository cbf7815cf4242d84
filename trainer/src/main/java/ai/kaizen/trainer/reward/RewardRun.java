package ai.kaizen.trainer.reward;

import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PreferenceSplits;
import ai.kaizen.trainer.sft.SftListener;
import java.nio.file.Path;
import java.util.List;

/** One reward-model job from files to files: what {@code kaizen train rm} calls. */
public final class RewardRun {

    private RewardRun() {}

    /**
     * Loads the SFT model, trains a reward model on a dataset directory ({@code train.jsonl},
     * optional {@code eval.jsonl}, TRL preference format) and saves it in {@code output_dir}.
     *
     * @param baseModel the SFT model directory (Hugging Face layout)
     * @param config the run's configuration
     * @param datasetDir the dataset directory
     * @param listener progress callbacks
     * @return what happened
     */
    public static PairwiseResult run(Path baseModel, RewardConfig config, Path datasetDir, SftListener listener) {
        return run(baseModel, config, PreferenceSplits.read(datasetDir, Split.TRAIN),
                PreferenceSplits.read(datasetDir, Split.EVAL), listener);
    }

    /**
     * Like {@link #run(Path, RewardConfig, Path, SftListener)} with pairs already read.
     *
     * @param baseModel the starting model directory
     * @param config the run's configuration
     * @param train training pairs
     * @param eval evaluation pairs (may be empty)
     * @param listener progress callbacks
     * @return what happened
     */
    public static PairwiseResult run(Path baseModel, RewardConfig config, List<PreferenceExample> train,
            List<PreferenceExample> eval, SftListener listener) {
        try (LanguageModel model = LanguageModel.load(baseModel, TrainingDevice.modelOptions());
                RewardTrainer trainer = new RewardTrainer(config, model)) {
            return trainer.train(train, eval, listener);
        }
    }
}
