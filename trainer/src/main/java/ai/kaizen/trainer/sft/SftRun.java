package ai.kaizen.trainer.sft;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.training.TrainingListener;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One SFT job from files to files: load the base model, train (resuming if asked), save the
 * output directory. What a command line ({@code kaizen train sft}) calls.
 */
public final class SftRun {

    private SftRun() {}

    /**
     * Loads a model directory, trains it and saves the result in {@code config.args().outputDir()}.
     *
     * @param baseModel a model directory in Hugging Face layout (the base; with {@code resume} the
     *     checkpoint's weights replace its weights)
     * @param config the run's configuration
     * @param train training examples
     * @param eval evaluation examples (may be empty)
     * @param listener progress callbacks
     * @return what happened
     */
    public static SftResult run(Path baseModel, SftConfig config, List<SftExample> train, List<SftExample> eval,
            TrainingListener listener) {
        try (LanguageModel model = LanguageModel.load(baseModel, TrainingDevice.modelOptions());
                SftTrainer trainer = new SftTrainer(config, model)) {
            return trainer.train(train, eval, listener);
        }
    }

    /**
     * Like {@link #run(Path, SftConfig, List, List, TrainingListener)} with a dataset directory as
     * {@code JsonlFormats.writeDataset} writes it ({@code train.jsonl}, optional {@code eval.jsonl}).
     *
     * @param baseModel the base model directory
     * @param config the run's configuration
     * @param datasetDir the dataset directory
     * @param listener progress callbacks
     * @return what happened
     */
    public static SftResult run(Path baseModel, SftConfig config, Path datasetDir, TrainingListener listener) {
        return run(baseModel, config, readSplit(datasetDir, Split.TRAIN), readSplit(datasetDir, Split.EVAL),
                listener);
    }

    /**
     * @param datasetDir a dataset directory
     * @param split which split
     * @return its SFT examples ({@code <split>.jsonl}; none if the file is absent)
     */
    public static List<SftExample> readSplit(Path datasetDir, Split split) {
        Path file = datasetDir.resolve(split.label() + ".jsonl");
        if (!Files.exists(file)) {
            return List.of();
        }
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return JsonlFormats.readSft(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
