package ai.kaizen.trainer.starter;

import ai.kaizen.trainer.dataset.BitextImport;
import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The shipped customer-service text the starter model learns from ({@code ../shared/data}): Bitext's
 * detailed and canned exchanges with their intents, and Taskmaster-4's coffee-ordering dialogs as
 * lists of turns.
 *
 * @param detailed {@code bitext/detailed_responses.csv}: message, intent, detailed answer
 * @param canned {@code bitext/canned_responses.csv}: message, intent, short canned answer
 * @param dialogs {@code taskmaster-tm4/data/*.json}: each dialog's turn texts, customer first
 */
public record StarterCorpus(List<LabelledRow> detailed, List<LabelledRow> canned, List<List<String>> dialogs) {

    /**
     * @param dataDir the shared data directory (with {@code bitext/} and {@code taskmaster-tm4/})
     * @return the corpus
     * @throws IllegalArgumentException if a file is missing or malformed
     */
    public static StarterCorpus load(Path dataDir) {
        Path bitext = dataDir.resolve("bitext");
        Path dialogs = dataDir.resolve("taskmaster-tm4").resolve("data");
        for (Path p : List.of(bitext.resolve("detailed_responses.csv"), bitext.resolve("canned_responses.csv"),
                dialogs)) {
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("missing " + p + " (the shared data directory is " + dataDir + ")");
            }
        }
        return new StarterCorpus(BitextImport.labelledRows(bitext.resolve("detailed_responses.csv")),
                BitextImport.labelledRows(bitext.resolve("canned_responses.csv")), dialogs(dialogs));
    }

    private static List<List<String>> dialogs(Path dir) {
        List<List<String>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    for (JsonElement dialog : JsonParser.parseReader(in).getAsJsonArray()) {
                        List<String> turns = new ArrayList<>();
                        for (JsonElement u : dialog.getAsJsonObject().getAsJsonArray("utterances")) {
                            String text = u.getAsJsonObject().get("text").getAsString().strip();
                            if (!text.isEmpty()) {
                                turns.add(text);
                            }
                        }
                        if (!turns.isEmpty()) {
                            out.add(turns);
                        }
                    }
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(file + " is not a Taskmaster-4 dialog file: " + e.getMessage(),
                            e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
