package ai.kaizen.server.cli;

import ai.kaizen.server.Logging;
import ai.kaizen.trainer.dpo.DpoConfig;
import ai.kaizen.trainer.dpo.DpoRun;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.training.TrainingListener;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code kaizen train dpo}: direct preference optimisation of a policy on preference pairs. */
@Command(name = "dpo",
        mixinStandardHelpOptions = true,
        description = {"Direct preference optimisation (sigmoid or IPO loss against the frozen starting policy;",
                "full or LoRA; checkpoints; metrics.jsonl with TRL's rewards/* and logps/* names).",
                "The config file is JSON with TRL's DPOConfig names (beta, loss_type, label_smoothing,",
                "learning_rate, max_length, max_prompt_length, ...), plus model_name_or_path and dataset_dir",
                "(train.jsonl, eval.jsonl: prompt/chosen/rejected). The output loads with 'generate'."})
public final class TrainDpoCommand implements Callable<Integer> {

    @Mixin
    TrainingJob job;

    @Override
    public Integer call() {
        TrainingJob.Inputs in = job.preferenceInputs();
        DpoConfig config;
        try {
            config = DpoConfig.fromJson(in.options(), DpoConfig.defaults(in.outputDir()));
        } catch (RuntimeException e) {
            throw job.badOption(e);
        }
        Logging.setLevel("WARN");
        PairwiseResult result;
        try (ProgressBar bar = TrainingCli.progressBar("dpo", config.args().totalSteps(in.train().size()))) {
            result = DpoRun.run(in.model(), config, in.train(), in.eval(), new TrainingListener() {
                @Override
                public void onLog(Map<String, Number> metrics) {
                    TrainingCli.show(bar, metrics, "eval_rewards/accuracies", "loss");
                }
            });
        }
        job.printSummary(result);
        return 0;
    }
}
