package ai.kaizen.trainer.starter;

import ai.kaizen.trainer.dataset.BitextImport;
import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The shipped customer-service text the starter model learns from (the repository's {@code data/}, see
 * {@link ai.kaizen.trainer.dataset.ShippedData}): Bitext's detailed and canned exchanges with their intents, and
 * Taskmaster-4's coffee-ordering dialogs as lists of turns.
 *
 * @param detailed {@code bitext/detailed_responses.csv}: message, intent, detailed answer
 * @param canned {@code bitext/canned_responses.csv}: message, intent, short canned answer
 * @param dialogs {@code taskmaster-tm4/dialogs.jsonl.gz}: each dialog's turn texts, customer first
 */
public record StarterCorpus(List<LabelledRow> detailed, List<LabelledRow> canned, List<List<String>> dialogs) {

    /**
     * @param dataDir the data folder (with {@code bitext/} and {@code taskmaster-tm4/})
     * @return the corpus
     * @throws IllegalArgumentException if a file is missing or malformed
     */
    public static StarterCorpus load(Path dataDir) {
        Path bitext = dataDir.resolve("bitext");
        Path dialogs = dataDir.resolve("taskmaster-tm4").resolve("dialogs.jsonl.gz");
        for (Path p : List.of(bitext.resolve("detailed_responses.csv"), bitext.resolve("canned_responses.csv"),
                dialogs)) {
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("missing " + p + " (the data folder is " + dataDir + ")");
            }
        }
        return new StarterCorpus(BitextImport.labelledRows(bitext.resolve("detailed_responses.csv")),
                BitextImport.labelledRows(bitext.resolve("canned_responses.csv")), dialogs(dialogs));
    }

    /** One dialog a line: its {@code utterances}' texts, in order, blank ones left out. */
    private static List<List<String>> dialogs(Path file) {
        List<List<String>> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            int lineNumber = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                try {
                    List<String> turns = new ArrayList<>();
                    for (JsonElement u : JsonParser.parseString(line).getAsJsonObject().getAsJsonArray("utterances")) {
                        String text = u.getAsJsonObject().get("text").getAsString().strip();
                        if (!text.isEmpty()) {
                            turns.add(text);
                        }
                    }
                    if (!turns.isEmpty()) {
                        out.add(turns);
                    }
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(file + " line " + lineNumber + " is not a Taskmaster-4 dialog: "
                            + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
