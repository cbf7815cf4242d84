package ai.kaizen.trainer.pairwise;

import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Split;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the preference files of a dataset directory ({@code train.jsonl}, {@code eval.jsonl}, TRL's format). */
public final class PreferenceSplits {

    private PreferenceSplits() {}

    /**
     * @param datasetDir a dataset directory
     * @param split which split
     * @return its pairs (none if the file is absent)
     */
    public static List<PreferenceExample> read(Path datasetDir, Split split) {
        Path file = datasetDir.resolve(split.label() + ".jsonl");
        return Files.exists(file) ? read(file) : List.of();
    }

    /**
     * @param file a preference JSONL file
     * @return its pairs
     * @throws ai.kaizen.trainer.dataset.DatasetFormatException naming the first bad line
     */
    public static List<PreferenceExample> read(Path file) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return JsonlFormats.readPreferences(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
