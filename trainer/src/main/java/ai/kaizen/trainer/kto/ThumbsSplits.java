package ai.kaizen.trainer.kto;

import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.dataset.ThumbsExample;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the labelled answers of a dataset directory ({@code train.jsonl}, {@code eval.jsonl}): TRL's
 * unpaired preference format, {@code prompt}, {@code completion} and a boolean {@code label}, as
 * {@code kaizen export dataset --kind thumbs} writes it.
 */
public final class ThumbsSplits {

    private ThumbsSplits() {}

    /**
     * @param datasetDir a dataset directory
     * @param split which split
     * @return its answers (none if the file is absent)
     */
    public static List<ThumbsExample> read(Path datasetDir, Split split) {
        Path file = datasetDir.resolve(split.label() + ".jsonl");
        return Files.exists(file) ? read(file) : List.of();
    }

    /**
     * @param file an unpaired preference JSONL file
     * @return its answers
     * @throws ai.kaizen.trainer.dataset.DatasetFormatException naming the first bad line
     */
    public static List<ThumbsExample> read(Path file) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return JsonlFormats.readThumbs(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
