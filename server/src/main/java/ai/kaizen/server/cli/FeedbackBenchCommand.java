package ai.kaizen.server.cli;

import ai.kaizen.db.DatabaseUrl;
import ai.kaizen.db.account.ApiKeyRepository;
import ai.kaizen.db.account.UserRepository;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.Logging;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.bench.FeedbackBenchmark;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code kaizen bench feedback}: feedback writes per second over HTTP, and whether every acknowledged one is stored. */
@Command(name = "feedback",
        mixinStandardHelpOptions = true,
        description = {"Drives N concurrent API clients posting /v1/feedback over HTTP for a fixed time, one run per",
                "client count, and prints one JSON line: acknowledged writes/s, latency p50/p99, and whether the",
                "database holds exactly what was acknowledged. Against --url (with --api-key-file, and",
                "--database-url for the check), or, without it, a server it starts on a temporary home."})
public final class FeedbackBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL",
            description = "A running server, e.g. http://127.0.0.1:8080 (its limits.messages-per-minute and "
                    + "limits.requests-per-minute must allow the load).")
    String url;

    @Option(names = "--api-key-file", paramLabel = "FILE", description = "A file holding an API key of --url.")
    Path apiKeyFile;

    @Option(names = "--database-url", paramLabel = "URL",
            description = "The database of --url (postgresql://user:pass@host:port/db), to check what was stored.")
    String databaseUrl;

    @Option(names = "--model", paramLabel = "DIR", defaultValue = "models/starter",
            description = "Without --url: the model the started server serves (default: ${DEFAULT-VALUE}).")
    Path model;

    @Option(names = "--clients", split = ",", paramLabel = "N", defaultValue = "16,64",
            description = "Concurrent clients, one run each (default: ${DEFAULT-VALUE}).")
    List<Integer> clients;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "10",
            description = "How long each run writes (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--kind", paramLabel = "KIND", defaultValue = "rating",
            description = "rating (stars and a comment on the client's answers in turn) or choice (a new pairwise "
                    + "choice each time) (default: ${DEFAULT-VALUE}).")
    FeedbackBenchmark.Kind kind;

    @Option(names = "--answers-per-client", paramLabel = "N", defaultValue = "4",
            description = "Answers each client makes first and writes about (default: ${DEFAULT-VALUE}).")
    int answersPerClient;

    @Option(names = "--idempotency-keys", description = "Send a new Idempotency-Key with every write.")
    boolean idempotencyKeys;

    @Override
    public Integer call() throws Exception {
        if (clients.stream().anyMatch(c -> c < 1) || seconds <= 0 || answersPerClient < 2) {
            throw new ParameterException(spec.commandLine(),
                    "--clients must be at least 1, --seconds positive, --answers-per-client at least 2");
        }
        Logging.setLevel("WARN");
        if (url != null) {
            if (apiKeyFile == null) {
                throw new ParameterException(spec.commandLine(), "--url needs --api-key-file");
            }
            String key = Files.readString(apiKeyFile).strip();
            Optional<DatabaseUrl> database = Optional.ofNullable(databaseUrl).map(DatabaseUrl::parse);
            print(run(url.replaceAll("/+$", ""), key, database));
            return 0;
        }
        if (!Files.isRegularFile(model.resolve("config.json"))) {
            throw new ParameterException(spec.commandLine(), "--model " + model + " is not a model directory");
        }
        Path home = Files.createTempDirectory("kaizen-bench-feedback");
        KaizenServer server = KaizenServer.start(KaizenConfig.defaults(home).with(Map.of(
                        ConfigKey.MODEL_DIR, model.toString(),
                        ConfigKey.LIMITS_REQUESTS_PER_MINUTE, "1000000",
                        ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "100000",
                        // no reviewers' candidates made in the background: they would take the cores being measured
                        ConfigKey.REVIEW_BUFFER, "0",
                        ConfigKey.LOG_LEVEL, "WARN")))
                .toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
        try {
            String key = new Accounts(new UserRepository(server.database().sessions()),
                    new ApiKeyRepository(server.database().sessions()), Runnable::run)
                    .createApiKey("bench feedback").toCompletableFuture().get(1, TimeUnit.MINUTES).key();
            print(run("http://127.0.0.1:" + server.port(), key, Optional.of(server.database().url())));
        } finally {
            server.stop().toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
        }
        return 0;
    }

    private JsonObject run(String base, String key, Optional<DatabaseUrl> database) throws Exception {
        return new FeedbackBenchmark(new FeedbackBenchmark.Settings(base, key, database, kind, answersPerClient,
                seconds, idempotencyKeys)).run(clients);
    }

    private void print(JsonObject result) {
        spec.commandLine().getOut().println(result.encode());
        spec.commandLine().getOut().flush();
    }
}
