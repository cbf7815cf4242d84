package ai.kaizen.server.cli;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.server.Logging;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.online.GroupConfig;
import ai.kaizen.trainer.online.GroupMethod;
import ai.kaizen.trainer.online.PromptDataset;
import ai.kaizen.trainer.online.RunResult;
import ai.kaizen.trainer.training.TrainingListener;
import io.vertx.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * What {@code kaizen train rloo} and {@code kaizen train grpo} share: the job's files (config, model, data,
 * output, resume, device), the reward model, a progress bar, and the one-line JSON summary.
 *
 * @param <C> the method's configuration
 */
abstract class OnlineRlCommand<C extends GroupConfig> implements Callable<Integer> {

    @Mixin
    TrainingJob job;

    @Option(names = "--reward-model", paramLabel = "DIR",
            description = "The reward model: kaizen train rm's output (overrides reward_model_path).")
    Path rewardModel;

    /** @return the method */
    abstract GroupMethod<C> method();

    @Override
    public Integer call() {
        TrainingJob.Files files = job.files();
        Path fromFile = TrainingCli.pathOption(files.options(), "reward_model_path");
        Path reward = rewardModel != null ? rewardModel : fromFile;
        if (reward == null || !LanguageModel.isModelDirectory(reward)) {
            throw new ParameterException(job.spec.commandLine(), "give the reward model's directory (--reward-model "
                    + "or reward_model_path)" + (reward == null ? "" : "; " + reward + " has no config.json nor adapter_config.json"));
        }
        C config;
        try {
            config = method().configure(files.options(), files.outputDir());
        } catch (RuntimeException e) {
            throw job.badOption(e);
        }
        Logging.setLevel("WARN");
        long total = config.totalSteps(PromptDataset.read(files.dataset(), Split.TRAIN).size());
        RunResult result;
        try (ProgressBar bar = TrainingCli.progressBar(method().name(), total)) {
            result = method().run(files.model(), reward, config, files.dataset(), new TrainingListener() {
                @Override
                public void onLog(Map<String, Number> metrics) {
                    TrainingCli.show(bar, metrics, "eval/scores", "objective/scores");
                }
            });
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("steps", result.globalStep());
        summary.put("stop_reason", result.stopReason());
        summary.put("output_step", result.outputStep());
        summary.put("best_step", result.bestStep());
        summary.put("metric_for_best_model", config.online().metricForBestModel());
        summary.put("best_metric", finiteOrNull(result.bestMetric()));
        summary.put("last_scores", finiteOrNull(result.lastScore()));
        summary.put("last_kl", finiteOrNull(result.lastKl()));
        summary.put("resumed_from", result.resumedFrom() == null ? null : result.resumedFrom().toString());
        summary.put("output_dir", result.outputDir().toString());
        job.spec.commandLine().getOut().println(Json.encode(summary));
        job.spec.commandLine().getOut().flush();
        return 0;
    }

    /** JSON has no NaN (a resumed run that had nothing left to do has no last score). */
    private static Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
