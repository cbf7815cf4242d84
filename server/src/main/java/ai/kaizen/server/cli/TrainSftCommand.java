package ai.kaizen.server.cli;

import ai.kaizen.server.Logging;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.sft.SftConfig;
import ai.kaizen.trainer.sft.SftListener;
import ai.kaizen.trainer.sft.SftResult;
import ai.kaizen.trainer.sft.SftRun;
import ai.kaizen.trainer.dataset.SftExample;
import com.google.gson.JsonObject;
import io.vertx.core.json.Json;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kaizen train sft}: supervised fine-tuning on a dataset directory. */
@Command(name = "sft",
        mixinStandardHelpOptions = true,
        description = {"Supervised fine-tuning (loss on assistant tokens only; full or LoRA; AdamW, warmup + cosine,",
                "accumulation, clipping, eval loss, early stopping; checkpoints; metrics.jsonl).",
                "The config file is JSON with TRL's option names (learning_rate, num_train_epochs, use_peft, ...),",
                "plus model_name_or_path (base model directory) and dataset_dir (train.jsonl, eval.jsonl)."})
public final class TrainSftCommand implements Callable<Integer> {

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
        JsonObject options = config == null ? new JsonObject() : TrainingCli.readJson(spec.commandLine(), config);
        Path fileModel = TrainingCli.pathOption(options, "model_name_or_path");
        Path fileData = TrainingCli.pathOption(options, "dataset_dir");
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
        try (ProgressBar bar = TrainingCli.progressBar("sft", total)) {
            result = SftRun.run(base, sft, train, eval, new SftListener() {
                @Override
                public void onLog(Map<String, Number> metrics) {
                    TrainingCli.show(bar, metrics, "eval_loss", "loss");
                }
            });
        }
        Map<String, Object> summary = TrainingCli.summary(result);
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
}
