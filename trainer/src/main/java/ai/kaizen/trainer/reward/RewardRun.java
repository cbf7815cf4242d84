package ai.kaizen.trainer.reward;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PreferenceSplits;
import ai.kaizen.trainer.sft.SftListener;
import java.nio.file.Path;

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
        try (LanguageModel model = LanguageModel.load(baseModel);
                RewardTrainer trainer = new RewardTrainer(config, model)) {
            return trainer.train(PreferenceSplits.read(datasetDir, Split.TRAIN),
                    PreferenceSplits.read(datasetDir, Split.EVAL), listener);
        }
    }
}
