package ai.kaizen.server.cli;

import ai.kaizen.model.ModelException;
import ai.kaizen.server.Logging;
import ai.kaizen.trainer.bench.OnlineBenchmark;
import ai.kaizen.trainer.bench.PreferenceBenchmark;
import ai.kaizen.trainer.bench.TrainingBenchmark;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kaizen bench train}: SFT tokens/s, a PPO iteration's time split, DPO and KTO updates, as one JSON line. */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        description = {"Times training and prints one JSON line: SFT tokens/s (forward, loss, backward, AdamW on",
                "B x L tokens) and a PPO iteration split into generation, scoring and update (B prompts of L/2",
                "tokens, responses of up to L/2; policy, reference, critic and reward model of the model's shape),",
                "then DPO and KTO updates of B examples (prompt and answer of L/2 tokens each): dpo_pairs_per_s,",
                "kto_samples_per_s. Medians of --steps repetitions after one warm-up. With --config the weights",
                "are random."})
public final class TrainBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    BenchCommand.Generate.Source source; // the same --model | --config choice as bench generate

    @Option(names = "--batch", paramLabel = "B", defaultValue = "2", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq-len", paramLabel = "L", defaultValue = "64", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "3", description = "Timed repetitions (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--ppo-epochs", paramLabel = "K", defaultValue = "1",
            description = "PPO epochs per iteration (TRL's default is 4; the update time grows linearly) (default: ${DEFAULT-VALUE}).")
    int ppoEpochs;

    @Option(names = "--threads", paramLabel = "T",
            description = "PyTorch threads while training (default: every core, as the trainers use).")
    Integer threads;

    @Option(names = "--online", paramLabel = "ppo,rloo,grpo", split = ",",
            description = {"Instead of the default line, time these online methods on the same work, in this order:",
                    "B answers per iteration (RLOO, GRPO: --generations per prompt), --ppo-epochs passes;",
                    "<method>_samples_per_s, _iteration_s and its split, _state_mb (weights, gradients, AdamW",
                    "moments held), _peak_rss_growth_mb (run one method per process for clean memory figures)."})
    java.util.List<String> online;

    @Option(names = "--generations", paramLabel = "K", defaultValue = "4",
            description = "RLOO's and GRPO's answers per prompt with --online; divides B (default: ${DEFAULT-VALUE}).")
    int generations;

    @Override
    public Integer call() {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            TrainingBenchmark.Settings settings = new TrainingBenchmark.Settings(batch, seqLen, steps, ppoEpochs,
                    threads != null ? threads : Runtime.getRuntime().availableProcessors());
            Logging.setLevel("WARN");
            TrainingBenchmark.Source models = source.model != null ? TrainingBenchmark.Source.directory(source.model)
                    : TrainingBenchmark.Source.random(source.config);
            JsonObject line;
            if (online != null) {
                line = onlineLine(models, settings);
            } else {
                line = TrainingBenchmark.run(models, settings).toJson();
                PreferenceBenchmark.run(models, settings).addTo(line);
            }
            out.println(line);
            out.flush();
            return 0;
        } catch (ModelException | IllegalArgumentException e) {
            err.println("kaizen bench train: " + e.getMessage());
            return 1;
        }
    }

    /** The --online line: the shape, then each method's figures under its own prefix. */
    private JsonObject onlineLine(TrainingBenchmark.Source models, TrainingBenchmark.Settings settings) {
        JsonObject line = new JsonObject();
        line.addProperty("model", models.name());
        line.addProperty("batch", batch);
        line.addProperty("seq_len", seqLen);
        line.addProperty("steps", steps);
        line.addProperty("passes", ppoEpochs);
        line.addProperty("torch_threads_training", settings.threads());
        for (String method : online) {
            OnlineBenchmark.run(models, settings, method.trim(), generations).addTo(line);
        }
        return line;
    }
}
