package ai.kaizen.trainer.kto;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;
import java.util.List;

/** One KTO job from files to files: what {@code kaizen train kto} calls. */
public final class KtoRun {

    private KtoRun() {}

    /**
     * Loads the starting policy, trains it on a dataset directory ({@code train.jsonl}, optional
     * {@code eval.jsonl}, TRL's unpaired preference format) and saves the result in
     * {@code output_dir}.
     *
     * @param baseModel the starting policy (usually the SFT model), Hugging Face layout
     * @param config the run's configuration
     * @param datasetDir the dataset directory
     * @param listener progress callbacks
     * @return what happened
     */
    public static PairwiseResult run(Path baseModel, KtoConfig config, Path datasetDir, TrainingListener listener) {
        return run(baseModel, config, ThumbsSplits.read(datasetDir, Split.TRAIN),
                ThumbsSplits.read(datasetDir, Split.EVAL), listener);
    }

    /**
     * Like {@link #run(Path, KtoConfig, Path, TrainingListener)} with the answers already read.
     *
     * @param baseModel the starting model directory
     * @param config the run's configuration
     * @param train training answers
     * @param eval evaluation answers (may be empty)
     * @param listener progress callbacks
     * @return what happened
     */
    public static PairwiseResult run(Path baseModel, KtoConfig config, List<ThumbsExample> train,
            List<ThumbsExample> eval, TrainingListener listener) {
        try (LanguageModel model = LanguageModel.load(baseModel, TrainingDevice.modelOptions());
                KtoTrainer trainer = new KtoTrainer(config, model)) {
            return trainer.train(train, eval, listener);
        }
    }
}
