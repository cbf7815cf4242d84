package ai.kaizen.server.cli;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.server.Logging;
import ai.kaizen.server.bench.ChatBenchmark;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kaizen bench chat}: the chat and feedback over HTTP, measured against a server started for the purpose. */
@Command(name = "chat",
        mixinStandardHelpOptions = true,
        description = {"Starts a server on loopback (temporary home, embedded database) with the given model and",
                "measures, over HTTP: time to first token (p50, p95) and tokens/s per stream for each concurrency,",
                "then feedback writes per second and their latency (p50, p99). Prints one JSON line."})
public final class ChatBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory to serve.")
    Path model;

    @Option(names = "--concurrency", split = ",", paramLabel = "N", defaultValue = "1,8",
            description = "Concurrent chats, one run each (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;

    @Option(names = "--messages", paramLabel = "N", defaultValue = "4",
            description = "Messages each chat sends (default: ${DEFAULT-VALUE}).")
    int messages;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64",
            description = "Answer length (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--feedback-clients", paramLabel = "N", defaultValue = "16",
            description = "Concurrent raters (default: ${DEFAULT-VALUE}).")
    int feedbackClients;

    @Option(names = "--feedback-writes", paramLabel = "N", defaultValue = "100",
            description = "Ratings each rater writes (default: ${DEFAULT-VALUE}).")
    int feedbackWrites;

    @Override
    public Integer call() throws Exception {
        if (!LanguageModel.isModelDirectory(model)) {
            throw new ParameterException(spec.commandLine(), "--model " + model + " is not a model directory");
        }
        if (concurrency.stream().anyMatch(c -> c < 1) || messages < 1 || maxNewTokens < 1 || feedbackClients < 1
                || feedbackWrites < 1) {
            throw new ParameterException(spec.commandLine(), "counts must be at least 1");
        }
        Logging.setLevel("WARN");
        spec.commandLine().getOut().println(new ChatBenchmark(model, maxNewTokens, messages)
                .run(concurrency, feedbackClients, feedbackWrites).encode());
        return 0;
    }
}
