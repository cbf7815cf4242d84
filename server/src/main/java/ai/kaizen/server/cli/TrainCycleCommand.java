package ai.kaizen.server.cli;

import ai.kaizen.server.config.ConfigOptions;
import ai.kaizen.server.config.KaizenConfig;
import ai.kaizen.trainer.cycle.CycleRunner;
import ai.kaizen.trainer.registry.ArtifactStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code kaizen train cycle}: runs one queued retraining cycle (what the server's launcher starts as a child
 * process, or a Kubernetes Job). Everything it does goes to the database: heartbeat, stage, step, metrics, log,
 * the candidate and the gate's report.
 */
@Command(name = "cycle",
        mixinStandardHelpOptions = true,
        description = {"Runs a queued retraining cycle (dataset, SFT, evaluation gate; started from the console),",
                "reporting heartbeat, progress, metrics and log lines to the database. A failed cycle that an",
                "operator resumed is queued again and continues from its finished stages and checkpoints.",
                "Takes the same configuration as serve (home, database, artifacts)."})
public final class TrainCycleCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--cycle-id", required = true, paramLabel = "N", description = "The queued cycle to run.")
    long cycleId;

    @Option(names = "--heartbeat-seconds", paramLabel = "S", defaultValue = "5",
            description = "Seconds between heartbeats (default: ${DEFAULT-VALUE}).")
    double heartbeatSeconds;

    @Override
    public Integer call() throws Exception {
        if (!(heartbeatSeconds > 0)) {
            throw new ParameterException(spec.commandLine(), "--heartbeat-seconds must be positive");
        }
        KaizenConfig config = ConfigOptions.read(spec, System.getenv());
        try (CommandDatabase db = CommandDatabase.open(config);
             ArtifactStore artifacts = config.artifacts().open(config.home())) {
            CycleRunner.Outcome outcome = new CycleRunner(db.database().sessions(), config.home(),
                    Duration.ofMillis((long) (heartbeatSeconds * 1000)), artifacts).run(cycleId);
            spec.commandLine().getOut().println("{\"cycle_id\":" + cycleId + ",\"outcome\":\""
                    + outcome.name().toLowerCase(java.util.Locale.ROOT) + "\"}");
            return outcome == CycleRunner.Outcome.FAILED ? 1 : 0;
        }
    }
}
