package ai.kaizen.trainer.online;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.Split;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The prompts an online run samples answers for: a dataset directory's {@code train.jsonl} and {@code eval.jsonl}. */
public final class PromptDataset {

    private PromptDataset() {}

    /**
     * @param datasetDir a dataset directory
     * @param split which split
     * @return its prompts ({@code <split>.jsonl}, {@code "prompt"} as text or chat messages; none if the file is
     *     absent)
     */
    public static List<List<ChatMessage>> read(Path datasetDir, Split split) {
        Path file = datasetDir.resolve(split.label() + ".jsonl");
        if (!Files.exists(file)) {
            return List.of();
        }
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return JsonlFormats.readPrompts(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
