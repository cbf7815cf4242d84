package ai.kaizen.server.cli;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.server.Logging;
import ai.kaizen.trainer.sft.SftConfig;
import ai.kaizen.trainer.sft.SftResult;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import io.vertx.core.json.Json;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiFunction;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine;

/** What {@code starter pretrain} and {@code starter chat} share: the start model, the run's options, the summary. */
final class StarterTrainingOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model to train from.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (checkpoints, "
            + "metrics.jsonl, the trained model).")
    Path out;

    @Option(names = "--max-steps", required = true, paramLabel = "N", description = "Optimizer updates.")
    int maxSteps;

    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON options over the recipe's (TRL names, as train sft: learning_rate, ...).")
    Path config;

    @Option(names = "--resume", description = "Continue from the newest checkpoint in the output directory.")
    boolean resume;

    /**
     * Trains with the recipe's defaults (overridden by the file), a progress bar on stderr, then prints one JSON line.
     *
     * @param name the step's name
     * @param defaults the recipe's configuration for an output directory and a number of steps
     * @param train runs the step on the loaded model
     */
    int run(CommandLine cli, String name, BiFunction<Path, Integer, SftConfig> defaults,
            Step train) {
        StarterOptions.requireModel(cli, model, "--model");
        if (maxSteps <= 0) {
            throw new ParameterException(cli, "--max-steps must be positive");
        }
        SftConfig sft;
        try {
            JsonObject overrides = config == null ? new JsonObject() : TrainingCli.readJson(cli, config);
            if (resume) {
                overrides.addProperty("resume", true);
            }
            sft = SftConfig.fromJson(overrides, defaults.apply(out, maxSteps));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cli, "bad option: " + e.getMessage());
        }
        Logging.setLevel("WARN");
        long started = System.nanoTime();
        SftResult result;
        try (LanguageModel lm = LanguageModel.load(model); ProgressBar bar = TrainingCli.progressBar(name,
                sft.args().maxSteps())) {
            result = train.run(lm, sft, new TrainingListener() {
                @Override
                public void onLog(Map<String, Number> metrics) {
                    TrainingCli.show(bar, metrics, "eval_loss", "loss");
                }
            });
        }
        Map<String, Object> summary = TrainingCli.summary(result);
        summary.put("wall_seconds", (System.nanoTime() - started) / 1e9);
        cli.getOut().println(Json.encode(summary));
        return 0;
    }

    /** One training step of the recipe on a loaded model. */
    interface Step {
        SftResult run(LanguageModel model, SftConfig config, TrainingListener listener);
    }
}
