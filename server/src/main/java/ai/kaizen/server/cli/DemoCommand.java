package ai.kaizen.server.cli;

import ai.kaizen.server.Logging;
import ai.kaizen.trainer.demo.DemoSettings;
import ai.kaizen.trainer.demo.RlhfDemonstration;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kaizen demo ...}: documented end-to-end runs on the shipped data. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = "End-to-end demonstrations on the shipped customer-service data.",
        subcommands = {DemoCommand.Rlhf.class})
public final class DemoCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code kaizen demo rlhf}: SFT on canned answers, reward model, then each method, judged on held-out prompts. */
    @Command(name = "rlhf",
            mixinStandardHelpOptions = true,
            description = {"The RLHF demonstration: a policy fine-tuned on Bitext's canned answers (sft-policy), a",
                    "reward model on detailed-over-canned and off-topic pairs (reward-model), then PPO, RLOO, GRPO,",
                    "DPO and KTO from that policy (METHOD-policy), each compared with it on held-out prompts, judged",
                    "by the intent classifier and closeness to the reference answer (win rate and intent match with",
                    "95%% intervals, KL, length, samples; the reward model's win rate as a diagnostic). Writes the",
                    "model directories, report.json and the curves (reward.png, kl.png, loss.png,",
                    "reward-model.png) under --out. --config overrides the defaults (base_model, bitext_dir,",
                    "eval_fraction, train_pairs, eval_prompts, max_new_tokens, methods, and the trainers' TRL",
                    "options in sections sft, reward_model, ppo, rloo, grpo, dpo, kto)."})
    static final class Rlhf implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
        Path out;

        @Option(names = "--config", paramLabel = "FILE", description = "JSON overrides of the defaults.")
        Path config;

        @Option(names = "--base", paramLabel = "DIR", description = "Base model (overrides base_model; default "
                + "models/starter).")
        Path base;

        @Option(names = "--reuse-trained", description = "Keep the sft-policy and reward-model an earlier run with "
                + "the same data options left in --out, and train only the methods (to try a method's options "
                + "again).")
        boolean reuseTrained;

        @Override
        public Integer call() {
            JsonObject overrides = config == null ? new JsonObject() : TrainingCli.readJson(spec.commandLine(), config);
            if (base != null) {
                overrides.addProperty("base_model", base.toString());
            }
            if (!overrides.has("bitext_dir") || overrides.get("bitext_dir").getAsString().isEmpty()) {
                overrides.addProperty("bitext_dir", ShippedDataFolder.resolve(spec.commandLine(), null, "bitext")
                        .toString());
            }
            DemoSettings settings;
            try {
                settings = DemoSettings.of(overrides);
            } catch (RuntimeException e) {
                throw new ParameterException(spec.commandLine(), "bad option" + (config == null ? "" : " in " + config)
                        + ": " + e.getMessage());
            }
            if (!Files.isRegularFile(settings.baseModel().resolve("config.json"))) {
                throw new ParameterException(spec.commandLine(), "base model " + settings.baseModel()
                        + " has no config.json (--base DIR)");
            }
            if (!Files.isRegularFile(settings.bitextDir().resolve("detailed_responses.csv"))) {
                throw new ParameterException(spec.commandLine(), "bitext_dir " + settings.bitextDir()
                        + " does not hold detailed_responses.csv");
            }
            Logging.setLevel("WARN");
            StageBars bars = new StageBars(settings);
            JsonObject report;
            try {
                report = RlhfDemonstration.run(settings, out, bars::listener, reuseTrained);
            } finally {
                bars.close();
            }
            JsonObject summary = new JsonObject();
            summary.add("reward_model", report.get("reward_model"));
            JsonObject compared = report.getAsJsonObject("compared_with_sft");
            for (String method : settings.methods()) {
                summary.add(method + "_vs_sft", withoutSamples(compared.getAsJsonObject(
                        RlhfDemonstration.policyDir(method))));
            }
            summary.add("seconds", report.get("seconds"));
            summary.addProperty("report", out.resolve("report.json").toString());
            spec.commandLine().getOut().println(summary);
            return 0;
        }

        private static JsonObject withoutSamples(JsonObject comparison) {
            JsonObject copy = comparison.deepCopy();
            copy.remove("samples");
            return copy;
        }
    }

    /** One progress bar per stage, the previous one closed when the next starts. */
    private static final class StageBars implements AutoCloseable {

        private final DemoSettings settings;
        private ProgressBar current;

        StageBars(DemoSettings settings) {
            this.settings = settings;
        }

        TrainingListener listener(String stage) {
            close();
            JsonObject options = settings.stages().get(stage);
            long total = options != null && options.has("max_steps") ? options.get("max_steps").getAsLong() : 0;
            ProgressBar bar = TrainingCli.progressBar(stage, Math.max(total, 1));
            current = bar;
            return new TrainingListener() {
                @Override
                public void onLog(Map<String, Number> metrics) {
                    TrainingCli.show(bar, metrics, "eval_accuracy", "objective/scores", "eval_loss", "loss");
                }
            };
        }

        @Override
        public void close() {
            if (current != null) {
                current.close();
                current = null;
            }
        }
    }
}
