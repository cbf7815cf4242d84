package ai.kaizen.server.cli;

import ai.kaizen.server.Logging;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.sft.SftConfig;
import ai.kaizen.trainer.sft.SftResult;
import ai.kaizen.trainer.sft.SftRun;
import ai.kaizen.trainer.training.TrainingListener;
import io.vertx.core.json.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

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

    @Mixin
    TrainingJob job;

    @Override
    public Integer call() throws Exception {
        TrainingJob.Files files = job.files();
        Path base = files.model();
        Path dataset = files.dataset();
        SftConfig sft;
        try {
            sft = SftConfig.fromJson(files.options(), SftConfig.defaults(files.outputDir()));
        } catch (RuntimeException e) {
            throw job.badOption(e);
        }
        Logging.setLevel("WARN");
        List<SftExample> train = SftRun.readSplit(dataset, Split.TRAIN);
        List<SftExample> eval = SftRun.readSplit(dataset, Split.EVAL);
        long total = totalSteps(sft, train.size());
        SftResult result;
        try (ProgressBar bar = TrainingCli.progressBar("sft", total)) {
            result = SftRun.run(base, sft, train, eval, new TrainingListener() {
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
        return c.totalSteps(examples);
    }
}
