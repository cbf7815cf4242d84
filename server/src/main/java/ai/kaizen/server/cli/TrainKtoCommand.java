package ai.kaizen.server.cli;

import ai.kaizen.server.Logging;
import ai.kaizen.trainer.dataset.DatasetFormatException;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.kto.KtoConfig;
import ai.kaizen.trainer.kto.KtoRun;
import ai.kaizen.trainer.kto.ThumbsSplits;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

/** {@code kaizen train kto}: Kahneman-Tversky optimisation of a policy on answers labelled good or bad. */
@Command(name = "kto",
        mixinStandardHelpOptions = true,
        description = {"Kahneman-Tversky optimisation from single answers labelled desirable or undesirable (thumbs,",
                "stars): loss against the frozen starting policy and a KL reference point from mismatched pairs;",
                "full or LoRA; checkpoints; metrics.jsonl with TRL's rewards/*, logps/* and kl names.",
                "The config file is JSON with TRL's KTOConfig names (beta, desirable_weight, undesirable_weight,",
                "loss_type, learning_rate, max_length, max_prompt_length, ...), plus model_name_or_path and",
                "dataset_dir (train.jsonl, eval.jsonl: prompt/completion/label, as 'export dataset --kind thumbs'",
                "writes them). The output loads with 'generate'."})
public final class TrainKtoCommand implements Callable<Integer> {

    @Mixin
    TrainingJob job;

    @Override
    public Integer call() {
        TrainingJob.Files files = job.files();
        KtoConfig config;
        try {
            config = KtoConfig.fromJson(files.options(), KtoConfig.defaults(files.outputDir()));
        } catch (RuntimeException e) {
            throw job.badOption(e);
        }
        List<ThumbsExample> train = read(files.dataset(), Split.TRAIN);
        List<ThumbsExample> eval = read(files.dataset(), Split.EVAL);
        Logging.setLevel("WARN");
        PairwiseResult result;
        try (ProgressBar bar = TrainingCli.progressBar("kto", config.args().totalSteps(train.size()))) {
            result = KtoRun.run(files.model(), config, train, eval, new TrainingListener() {
                @Override
                public void onLog(Map<String, Number> metrics) {
                    TrainingCli.show(bar, metrics, "eval_rewards/margins", "loss");
                }
            });
        }
        job.printSummary(result, "samples");
        return 0;
    }

    private List<ThumbsExample> read(Path dataset, Split split) {
        try {
            return ThumbsSplits.read(dataset, split);
        } catch (DatasetFormatException e) {
            throw new ParameterException(job.spec.commandLine(), dataset.resolve(split.label() + ".jsonl") + ", "
                    + e.getMessage());
        }
    }
}
