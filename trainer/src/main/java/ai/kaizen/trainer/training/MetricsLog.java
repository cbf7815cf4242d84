package ai.kaizen.trainer.training;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line, appended and flushed as it happens, with TRL's
 * metric names ({@code loss}, {@code eval_loss}, {@code learning_rate}, {@code grad_norm},
 * {@code epoch}, {@code step}, {@code num_tokens}, {@code train_tokens_per_second}).
 */
public final class MetricsLog implements AutoCloseable {

    /** File name in the output directory. */
    public static final String FILE = "metrics.jsonl";

    private static final Gson GSON = new Gson();

    private final BufferedWriter out;

    private MetricsLog(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Opens the log for appending. When resuming from a checkpoint, lines of steps after it are
     * dropped first: they are about to be produced again.
     *
     * @param outputDir the output directory
     * @param keepUpToStep keep lines whose {@code step} is at most this; negative keeps nothing
     * @return the log
     */
    public static MetricsLog open(Path outputDir, long keepUpToStep) {
        Path file = outputDir.resolve(FILE);
        try {
            Files.createDirectories(outputDir);
            List<String> kept = new ArrayList<>();
            if (Files.exists(file) && keepUpToStep >= 0) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonElement step = JsonParser.parseString(line).getAsJsonObject().get("step");
                    if (step == null || step.getAsLong() <= keepUpToStep) {
                        kept.add(line);
                    }
                }
            }
            Files.write(file, kept, StandardCharsets.UTF_8);
            return new MetricsLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends one line.
     *
     * @param metrics names to values (numbers), in the order to write them
     */
    public synchronized void append(Map<String, ? extends Number> metrics) {
        JsonObject o = new JsonObject();
        metrics.forEach((k, v) -> {
            if (v instanceof Double d && !Double.isFinite(d)) {
                o.addProperty(k, d.toString()); // JSON has no NaN: write it as text rather than fail
            } else {
                o.addProperty(k, v);
            }
        });
        try {
            out.write(GSON.toJson(o));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
