package ai.kaizen.server.cli;

import ai.kaizen.trainer.sft.SftResult;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** What every {@code kaizen train ...} and {@code eval ...} command shares: config files and the progress bar. */
final class TrainingCli {

    private TrainingCli() {
    }

    /** Reads a JSON object file; a missing or malformed file is a usage error naming it. */
    static JsonObject readJson(CommandLine cli, Path file) {
        try {
            JsonElement parsed = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw new ParameterException(cli, file + " must hold a JSON object");
            }
            return parsed.getAsJsonObject();
        } catch (IOException e) {
            throw new ParameterException(cli, "cannot read " + file + ": " + e.getMessage());
        } catch (RuntimeException e) {
            if (e instanceof ParameterException p) {
                throw p;
            }
            throw new ParameterException(cli, file + " is not valid JSON: " + e.getMessage());
        }
    }

    /** Removes a path option the trainer's own config does not know (model or dataset location), and returns it. */
    static Path pathOption(JsonObject options, String key) {
        JsonElement value = options.remove(key);
        return value == null || value.isJsonNull() ? null : Path.of(value.getAsString());
    }

    /** A terminal progress bar on stderr (step, total, ETA); stdout stays for the one-line JSON result. */
    static ProgressBar progressBar(String task, long total) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate()
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    /**
     * Moves the bar to the logged step and shows the first of {@code keys} the metrics carry (e.g. eval_loss,
     * then loss).
     */
    static void show(ProgressBar bar, Map<String, ? extends Number> metrics, String... keys) {
        Number step = metrics.get("step");
        if (step != null) {
            bar.stepTo(step.longValue());
        }
        for (String key : keys) {
            Number value = metrics.get(key);
            if (value != null) {
                bar.setExtraMessage(" " + key + " " + String.format("%.4f", value.doubleValue()));
                return;
            }
        }
    }

    /** The JSON summary a training command prints on stdout when it ends. */
    static Map<String, Object> summary(SftResult result) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("steps", result.globalStep());
        summary.put("train_loss", result.trainLoss());
        summary.put("best_eval_loss", result.bestEvalLoss());
        summary.put("best_step", result.bestStep());
        summary.put("tokens_per_second", result.tokensPerSecond());
        summary.put("output_dir", result.outputDir().toString());
        return summary;
    }
}
