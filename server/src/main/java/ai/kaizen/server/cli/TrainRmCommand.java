package ai.kaizen.server.cli;

import ai.kaizen.server.Logging;
import ai.kaizen.trainer.dataset.DatasetFormatException;
import ai.kaizen.trainer.dataset.PromptIntents;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.reward.RewardConfig;
import ai.kaizen.trainer.reward.RewardDataset;
import ai.kaizen.trainer.reward.RewardRun;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code kaizen train rm}: a reward model (backbone plus scalar head) on preference pairs. */
@Command(name = "rm",
        mixinStandardHelpOptions = true,
        description = {"Trains a reward model on preference pairs (Bradley-Terry loss, optional per-pair margin,",
                "ties), unpaired thumbs (--thumbs) and mismatched pairs (an approved answer over one to another",
                "kind of request); full or LoRA; checkpoints; metrics.jsonl with eval_accuracy, eval_loss and",
                "per kind eval_accuracy/choices, /thumbs, /mismatched, ...). The config file is JSON with TRL's",
                "RewardConfig names (learning_rate, max_steps, use_peft, center_rewards_coefficient, ...), Kaizen's",
                "thumbs_weight and mismatched_pairs, plus model_name_or_path (the SFT model), dataset_dir",
                "(train.jsonl, eval.jsonl: prompt/chosen/rejected) and thumbs_dataset_dir",
                "(prompt/completion/label). The output loads with 'eval rm'."})
public final class TrainRmCommand implements Callable<Integer> {

    @Mixin
    TrainingJob job;

    @Option(names = "--thumbs", paramLabel = "DIR",
            description = "Thumbs dataset directory (overrides thumbs_dataset_dir): train.jsonl, eval.jsonl.")
    Path thumbs;

    @Override
    public Integer call() {
        TrainingJob.Files files = job.files();
        Path thumbsDir = thumbs != null ? thumbs : TrainingCli.pathOption(files.options(), "thumbs_dataset_dir");
        if (thumbsDir != null && !Files.isRegularFile(thumbsDir.resolve("train.jsonl"))) {
            throw new ParameterException(job.spec.commandLine(), "the thumbs dataset " + thumbsDir
                    + " has no train.jsonl");
        }
        RewardConfig config;
        try {
            config = RewardConfig.fromJson(files.options(), RewardConfig.defaults(files.outputDir()));
        } catch (RuntimeException e) {
            throw job.badOption(e);
        }
        RewardDataset data;
        try {
            data = RewardRun.data(config, files.dataset(), thumbsDir, intents());
        } catch (DatasetFormatException e) {
            throw new ParameterException(job.spec.commandLine(), "malformed data in " + files.dataset()
                    + (thumbsDir == null ? "" : " or " + thumbsDir) + ": " + e.getMessage());
        }
        Logging.setLevel("WARN");
        PairwiseResult result;
        try (ProgressBar bar = TrainingCli.progressBar("rm", config.args().totalSteps(data.trainSize()))) {
            result = RewardRun.run(files.model(), config, data, new TrainingListener() {
                @Override
                public void onLog(Map<String, Number> metrics) {
                    TrainingCli.show(bar, metrics, "eval_accuracy", "loss");
                }
            });
        }
        job.printSummary(result);
        return 0;
    }

    /** Intents of the shipped Bitext customer messages, for mismatched pairs; none where the data is not there. */
    private PromptIntents intents() {
        try {
            return PromptIntents.fromBitext(ShippedDataFolder.resolve(job.spec.commandLine(), null, "bitext"));
        } catch (RuntimeException e) {
            return PromptIntents.NONE;
        }
    }
}
