package ai.kaizen.server.cli;

import ai.kaizen.server.Logging;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.sft.SftConfig;
import ai.kaizen.trainer.sft.SftListener;
import ai.kaizen.trainer.sft.SftResult;
import ai.kaizen.trainer.sft.SftRun;
import ai.kaizen.trainer.dataset.SftExample;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vertx.core.json.Json;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kaizen train ...}: the training algorithms, run in this process. */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        description = "Trains a model (supervised fine-tuning now; reward model, PPO and DPO arrive next).",
        subcommands = {TrainCommand.Sft.class})
public final class TrainCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code kaizen train sft}: supervised fine-tuning on a dataset directory. */
    @Command(name = "sft",
            mixinStandardHelpOptions = true,
            description = {"Supervised fine-tuning (loss on assistant tokens only; full or LoRA; AdamW, warmup + cosine,",
                    "accumulation, clipping, eval loss, early stopping; checkpoints; metrics.jsonl).",
                    "The config file is JSON with TRL's option names (learning_rate, num_train_epochs, use_peft, ...),",
                    "plus model_name_or_path (base model directory) and dataset_dir (train.jsonl, eval.jsonl)."})
    static final class Sft implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--config", paramLabel = "FILE", description = "JSON options (see above).")
        Path config;

        @Option(names = "--model", paramLabel = "DIR", description = "Base model (overrides model_name_or_path).")
        Path model;

        @Option(names = "--data", paramLabel = "DIR", description = "Dataset directory (overrides dataset_dir).")
        Path data;

        @Option(names = "--output", paramLabel = "DIR", description = "Output directory (overrides output_dir).")
        Path output;

        @Option(names = "--resume", description = "Continue from the newest checkpoint in the output directory.")
        boolean resume;

        @Override
        public Integer call() throws Exception {
            JsonObject options = config == null ? new JsonObject() : readJson(config);
            Path fileModel = pathOption(options, "model_name_or_path");
            Path fileData = pathOption(options, "dataset_dir");
            Path base = model != null ? model : fileModel;
            Path dataset = data != null ? data : fileData;
            if (output != null) {
                options.addProperty("output_dir", output.toString());
            }
            if (resume) {
                options.addProperty("resume", true);
            }
            if (base == null || !Files.isRegularFile(base.resolve("config.json"))) {
                throw new ParameterException(spec.commandLine(), "give a base model directory (--model or "
                        + "model_name_or_path)" + (base == null ? "" : "; " + base + " has no config.json"));
            }
            if (dataset == null || !Files.isRegularFile(dataset.resolve("train.jsonl"))) {
                throw new ParameterException(spec.commandLine(), "give a dataset directory with train.jsonl (--data "
                        + "or dataset_dir)");
            }
            if (!options.has("output_dir")) {
                throw new ParameterException(spec.commandLine(), "give an output directory (--output or output_dir)");
            }
            SftConfig sft;
            try {
                sft = SftConfig.fromJson(options, SftConfig.defaults(Path.of(options.get("output_dir").getAsString())));
            } catch (RuntimeException e) {
                throw new ParameterException(spec.commandLine(), "bad option in " + config + ": " + e.getMessage());
            }
            Logging.setLevel("WARN");
            List<SftExample> train = SftRun.readSplit(dataset, Split.TRAIN);
            List<SftExample> eval = SftRun.readSplit(dataset, Split.EVAL);
            long total = totalSteps(sft, train.size());
            SftResult result;
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("sft").setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate()
                    .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build()) {
                result = SftRun.run(base, sft, train, eval, new SftListener() {
                    @Override
                    public void onLog(Map<String, Number> metrics) {
                        Number step = metrics.get("step");
                        if (step != null) {
                            bar.stepTo(step.longValue());
                        }
                        Number loss = metrics.containsKey("eval_loss") ? metrics.get("eval_loss") : metrics.get("loss");
                        if (loss != null) {
                            bar.setExtraMessage((metrics.containsKey("eval_loss") ? " eval_loss " : " loss ")
                                    + String.format("%.4f", loss.doubleValue()));
                        }
                    }
                });
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("steps", result.globalStep());
            summary.put("train_loss", result.trainLoss());
            summary.put("best_eval_loss", result.bestEvalLoss());
            summary.put("best_step", result.bestStep());
            summary.put("tokens_per_second", result.tokensPerSecond());
            summary.put("output_dir", result.outputDir().toString());
            spec.commandLine().getOut().println(Json.encode(summary));
            return 0;
        }

        /** Optimizer steps the run will take, for the progress bar (examples dropped by tokenisation aside). */
        static long totalSteps(SftConfig c, int examples) {
            if (c.maxSteps() > 0) {
                return c.maxSteps();
            }
            long batches = (examples + c.batchSize() - 1) / c.batchSize();
            long perEpoch = Math.max(1, (batches + c.gradientAccumulation() - 1) / c.gradientAccumulation());
            return (long) Math.ceil(perEpoch * c.epochs());
        }

        private JsonObject readJson(Path file) {
            try {
                JsonElement parsed = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
                if (!parsed.isJsonObject()) {
                    throw new ParameterException(spec.commandLine(), file + " must hold a JSON object");
                }
                return parsed.getAsJsonObject();
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "cannot read " + file + ": " + e.getMessage());
            } catch (RuntimeException e) {
                throw new ParameterException(spec.commandLine(), file + " is not valid JSON: " + e.getMessage());
            }
        }

        /** Removes a path option the trainer's config does not know, and returns it. */
        private static Path pathOption(JsonObject options, String key) {
            JsonElement value = options.remove(key);
            return value == null || value.isJsonNull() ? null : Path.of(value.getAsString());
        }
    }
}
