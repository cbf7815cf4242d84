package ai.kaizen.trainer.dpo;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PreferenceSplits;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;
import java.util.List;

/** One DPO job from files to files: what {@code kaizen train dpo} calls. */
public final class DpoRun {

    private DpoRun() {}

    /**
     * Loads the starting policy, trains it on a dataset directory ({@code train.jsonl}, optional
     * {@code eval.jsonl}, TRL preference format) and saves the result in {@code output_dir}.
     *
     * @param baseModel the starting policy (usually the SFT model), Hugging Face layout
     * @param config the run's configuration
     * @param datasetDir the dataset directory
     * @param listener progress callbacks
     * @return what happened
     */
    public static PairwiseResult run(Path baseModel, DpoConfig config, Path datasetDir, TrainingListener listener) {
        return run(baseModel, config, PreferenceSplits.read(datasetDir, Split.TRAIN),
                PreferenceSplits.read(datasetDir, Split.EVAL), listener);
    }

    /**
     * Like {@link #run(Path, DpoConfig, Path, TrainingListener)} with pairs already read.
     *
     * @param baseModel the starting model directory
     * @param config the run's configuration
     * @param train training pairs
     * @param eval evaluation pairs (may be empty)
     * @param listener progress callbacks
     * @return what happened
     */
    public static PairwiseResult run(Path baseModel, DpoConfig config, List<PreferenceExample> train,
            List<PreferenceExample> eval, TrainingListener listener) {
        try (LanguageModel model = LanguageModel.load(baseModel, TrainingDevice.modelOptions());
                DpoTrainer trainer = new DpoTrainer(config, model)) {
            return trainer.train(train, eval, listener);
        }
    }
}
