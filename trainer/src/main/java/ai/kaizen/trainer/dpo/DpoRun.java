package ai.kaizen.trainer.dpo;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PreferenceSplits;
import ai.kaizen.trainer.sft.SftListener;
import java.nio.file.Path;

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
    public static PairwiseResult run(Path baseModel, DpoConfig config, Path datasetDir, SftListener listener) {
        try (LanguageModel model = LanguageModel.load(baseModel);
                DpoTrainer trainer = new DpoTrainer(config, model)) {
            return trainer.train(PreferenceSplits.read(datasetDir, Split.TRAIN),
                    PreferenceSplits.read(datasetDir, Split.EVAL), listener);
        }
    }
}
