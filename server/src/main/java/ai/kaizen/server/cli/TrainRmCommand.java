package ai.kaizen.server.cli;

import ai.kaizen.server.Logging;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.reward.RewardConfig;
import ai.kaizen.trainer.reward.RewardRun;
import ai.kaizen.trainer.sft.SftListener;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code kaizen train rm}: a reward model (backbone plus scalar head) on preference pairs. */
@Command(name = "rm",
        mixinStandardHelpOptions = true,
        description = {"Trains a reward model on preference pairs (Bradley-Terry loss, optional per-pair margin;",
                "full or LoRA; checkpoints; metrics.jsonl with eval_accuracy, eval_mean_margin, eval_loss).",
                "The config file is JSON with TRL's RewardConfig names (learning_rate, max_steps, use_peft,",
                "center_rewards_coefficient, ...), plus model_name_or_path (the SFT model) and dataset_dir",
                "(train.jsonl, eval.jsonl: prompt/chosen/rejected). The output loads with 'eval rm'."})
public final class TrainRmCommand implements Callable<Integer> {

    @Mixin
    TrainingJob job;

    @Override
    public Integer call() {
        TrainingJob.Inputs in = job.preferenceInputs();
        RewardConfig config;
        try {
            config = RewardConfig.fromJson(in.options(), RewardConfig.defaults(in.outputDir()));
        } catch (RuntimeException e) {
            throw job.badOption(e);
        }
        Logging.setLevel("WARN");
        PairwiseResult result;
        try (ProgressBar bar = TrainingCli.progressBar("rm", config.args().totalSteps(in.train().size()))) {
            result = RewardRun.run(in.model(), config, in.train(), in.eval(), new SftListener() {
                @Override
                public void onLog(Map<String, Number> metrics) {
                    TrainingCli.show(bar, metrics, "eval_accuracy", "loss");
                }
            });
        }
        job.printSummary(result);
        return 0;
    }
}
