package ai.kaizen.server.cli;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.server.Logging;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.ppo.PpoConfig;
import ai.kaizen.trainer.ppo.PpoResult;
import ai.kaizen.trainer.ppo.PpoRun;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import io.vertx.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kaizen train ppo}: PPO of a policy against a reward model on a prompt dataset. */
@Command(name = "ppo",
        mixinStandardHelpOptions = true,
        description = {"PPO against a reward model (TRL's PPOTrainer): sampled rollouts, per-token KL penalty against",
                "the frozen reference, GAE, clipped policy and value losses, adaptive KL; guard rails (kl_limit,",
                "ratio_limit) that stop and keep the last good checkpoint; evaluation on eval.jsonl keeping the",
                "best; checkpoints every save_steps (--resume continues exactly); metrics.jsonl; eval_report.json.",
                "The config file is JSON with TRL's PPOConfig names (learning_rate, kl_coef, cliprange, ...), plus",
                "model_name_or_path (policy), reward_model_path, dataset_dir (train.jsonl/eval.jsonl with",
                "\"prompt\" as text or chat messages) and output_dir."})
public final class TrainPpoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "JSON options (see above).")
    Path config;

    @Mixin
    DeviceOption device;

    @Option(names = "--resume", description = "Continue from the newest checkpoint in the output directory.")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        device.apply(spec.commandLine());
        JsonObject options = TrainingCli.readJson(spec.commandLine(), config);
        Path policy = TrainingCli.pathOption(options, "model_name_or_path");
        Path rewardModel = TrainingCli.pathOption(options, "reward_model_path");
        Path dataset = TrainingCli.pathOption(options, "dataset_dir");
        if (resume) {
            options.addProperty("resume", true);
        }
        if (policy == null || !LanguageModel.isModelDirectory(policy)) {
            throw new ParameterException(spec.commandLine(), "give the policy's model directory as model_name_or_path"
                    + (policy == null ? "" : "; " + policy + " has no config.json nor adapter_config.json"));
        }
        if (rewardModel == null || !LanguageModel.isModelDirectory(rewardModel)) {
            throw new ParameterException(spec.commandLine(), "give the reward model's directory as reward_model_path"
                    + (rewardModel == null ? "" : "; " + rewardModel + " has no config.json nor adapter_config.json"));
        }
        if (dataset == null || !Files.isRegularFile(dataset.resolve("train.jsonl"))) {
            throw new ParameterException(spec.commandLine(), "give a prompt dataset directory with train.jsonl as "
                    + "dataset_dir");
        }
        if (!options.has("output_dir")) {
            throw new ParameterException(spec.commandLine(), "give an output directory as output_dir");
        }
        PpoConfig ppo;
        try {
            ppo = PpoConfig.fromJson(options, PpoConfig.defaults(Path.of(options.get("output_dir").getAsString())));
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), "bad option in " + config + ": " + e.getMessage());
        }
        Logging.setLevel("WARN");
        long total = ppo.totalSteps(PpoRun.readPrompts(dataset, Split.TRAIN).size());
        PpoResult result;
        try (ProgressBar bar = TrainingCli.progressBar("ppo", total)) {
            result = PpoRun.run(policy, rewardModel, ppo, dataset, new TrainingListener() {
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
        summary.put("metric_for_best_model", ppo.metricForBestModel());
        summary.put("best_metric", finiteOrNull(result.bestMetric()));
        summary.put("last_scores", finiteOrNull(result.lastScore()));
        summary.put("last_kl", finiteOrNull(result.lastKl()));
        summary.put("output_dir", result.outputDir().toString());
        spec.commandLine().getOut().println(Json.encode(summary));
        return 0;
    }

    /** JSON has no NaN (a resumed run that had nothing left to do has no last score). */
    private static Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
