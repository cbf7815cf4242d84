package ai.kaizen.server.cli;

import ai.kaizen.model.files.FileTrees;
import ai.kaizen.db.account.ApiKeyRepository;
import ai.kaizen.db.account.UserRepository;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.Logging;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.bench.ServeBenchmark;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import ai.kaizen.trainer.bench.TrainingBenchmark;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code kaizen bench serve}: concurrent streaming chats through the OpenAI-compatible API, against a running server
 * or against servers started for the purpose, one per serving mode, and any peers (other OpenAI-compatible
 * servers), measured alternately.
 */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        description = {"Drives POST /v1/chat/completions (stream: true) with N concurrent clients and prints one JSON",
                "line: time to first token (p50, p95) and aggregate tokens/s per concurrency, medians over the",
                "rounds. With --url it drives that server; with --model or --config it starts one server per",
                "--batching mode on loopback (temporary home, embedded database) and measures them in turn.",
                "Each --peer (llama-server, vLLM, another Kaizen) is measured in the same rounds beside them."})
public final class ServeBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    /** Exactly one target. */
    static final class Source {
        @Option(names = "--url", paramLabel = "URL", description = "A running server, e.g. http://127.0.0.1:8080.")
        String url;

        @Option(names = "--model", paramLabel = "DIR", description = "Start servers serving this model directory.")
        Path model;

        @Option(names = "--config", paramLabel = "CONFIG.json",
                description = "Start servers serving random weights of this shape (timing only).")
        Path config;
    }

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:KAIZEN_API_KEY}",
            description = "API key for --url (default: $KAIZEN_API_KEY).")
    String apiKey;

    @Option(names = "--peer", paramLabel = "NAME=URL",
            description = "Another OpenAI-compatible server (llama.cpp's llama-server, vLLM, another Kaizen) measured "
                    + "in the same rounds, alternated with the others, and compared with the first; repeatable.")
    Map<String, String> peers = new LinkedHashMap<>();

    @Option(names = "--peer-api-key", paramLabel = "KEY",
            description = "Bearer key sent to every --peer (default: none sent).")
    String peerApiKey;

    @Option(names = "--model-dtype", paramLabel = "TYPE", defaultValue = "float32",
            description = "model.dtype of the started servers: float32, float16 or int8 (default: ${DEFAULT-VALUE}).")
    String modelDtype;

    @Option(names = "--batching", split = ",", paramLabel = "MODE", defaultValue = "continuous,per-request",
            description = "Serving modes to start and compare, inference.batching values (default: ${DEFAULT-VALUE}).")
    List<String> batching;

    @Option(names = "--inference-workers", paramLabel = "N", defaultValue = "1",
            description = "inference.workers of the per-request server (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "8",
            description = "inference.max-batch of the continuous server (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--prefill-chunk", paramLabel = "TOKENS", defaultValue = "128",
            description = "inference.prefill-chunk of the continuous server (default: ${DEFAULT-VALUE}).")
    int prefillChunk;

    @Option(names = "--concurrency", split = ",", paramLabel = "N", defaultValue = "1,8",
            description = "Concurrent streaming clients, one run each per round (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "1",
            description = "Requests each client sends, one after another (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128",
            description = "max_tokens of each request (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "Measurements of each mode and concurrency, alternated (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        if (concurrency.stream().anyMatch(c -> c < 1) || requests < 1 || maxTokens < 1 || rounds < 1
                || workers < 1 || maxBatch < 1 || prefillChunk < 1) {
            throw new ParameterException(spec.commandLine(), "counts must be at least 1");
        }
        ServeBenchmark.Settings settings = new ServeBenchmark.Settings(concurrency, requests, maxTokens, rounds);
        List<ServeBenchmark.Target> peerTargets = peerTargets();
        if (source.url != null) {
            if (apiKey == null || apiKey.isBlank()) {
                throw new ParameterException(spec.commandLine(), "--url needs --api-key (or KAIZEN_API_KEY)");
            }
            String base = baseUrl(source.url);
            List<ServeBenchmark.Target> targets = new ArrayList<>(List.of(new ServeBenchmark.Target("server", base,
                    apiKey)));
            targets.addAll(peerTargets);
            print(new ServeBenchmark().run(targets, settings).put("url", base).encode());
            return 0;
        }
        for (String mode : batching) {
            if (!mode.equals("continuous") && !mode.equals("per-request")) {
                throw new ParameterException(spec.commandLine(), "--batching takes continuous and per-request");
            }
        }
        if (!List.of("float32", "float16", "int8").contains(modelDtype)) {
            throw new ParameterException(spec.commandLine(), "--model-dtype takes float32, float16 or int8");
        }
        Logging.setLevel("WARN");
        Path temp = Files.createTempDirectory("kaizen-bench-serve");
        List<KaizenServer> servers = new ArrayList<>();
        try {
            Path modelDir = source.model != null ? requireModel(source.model) : randomModel(source.config, temp);
            List<ServeBenchmark.Target> targets = new ArrayList<>();
            for (String mode : batching) {
                KaizenServer server = start(mode, modelDir, temp.resolve("home-" + mode));
                servers.add(server);
                String key = new Accounts(new UserRepository(server.database().sessions()),
                        new ApiKeyRepository(server.database().sessions()), Runnable::run)
                        .createApiKey("bench").toCompletableFuture().get(1, TimeUnit.MINUTES).key();
                targets.add(new ServeBenchmark.Target(mode, "http://127.0.0.1:" + server.port(), key));
            }
            targets.addAll(peerTargets);
            print(new ServeBenchmark().run(targets, settings)
                    .put("model", servers.get(0).model().map(m -> m.version()).orElse("none"))
                    .put("model_dtype", modelDtype)
                    .put("inference_workers", workers).put("max_batch", maxBatch)
                    .put("prefill_chunk", prefillChunk).encode());
            return 0;
        } finally {
            for (KaizenServer s : servers) {
                s.stop().toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
            }
            FileTrees.deleteQuietly(temp);
        }
    }

    /** The {@code --peer} servers, checked: each a name and an http(s) address. */
    private List<ServeBenchmark.Target> peerTargets() {
        List<ServeBenchmark.Target> targets = new ArrayList<>();
        peers.forEach((name, url) -> {
            if (name.isBlank() || !url.matches("https?://.+")) {
                throw new ParameterException(spec.commandLine(),
                        "--peer takes NAME=URL with an http(s) address, e.g. llama.cpp=http://127.0.0.1:8081");
            }
            if (batching.contains(name) || name.equals("server")) {
                throw new ParameterException(spec.commandLine(), "--peer name " + name + " is already a target");
            }
            targets.add(new ServeBenchmark.Target(name, baseUrl(url), peerApiKey));
        });
        return targets;
    }

    private static String baseUrl(String url) {
        return url.replaceAll("/+$", "");
    }

    private void print(String line) {
        spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
    }

    private Path requireModel(Path dir) {
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new ParameterException(spec.commandLine(), "--model " + dir + " is not a model directory");
        }
        return dir;
    }

    /** Random weights of the shape in {@code configFile}, saved with a word-level tokenizer of its vocabulary. */
    private static Path randomModel(Path configFile, Path temp) throws Exception {
        LlamaConfig config = LlamaConfig.load(configFile);
        Path dir = temp.resolve("random-" + configFile.getFileName().toString().replaceAll("\\.json$", ""));
        try (LlamaModel network = LlamaModel.random(config, ModelOptions.DEFAULT, 0)) {
            network.save(dir, DType.F32);
        }
        Path tokenizer = TrainingBenchmark.wordLevelTokenizer(temp, config.vocabSize());
        Files.copy(tokenizer.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        return dir;
    }

    private KaizenServer start(String mode, Path modelDir, Path home) throws Exception {
        return KaizenServer.start(KaizenConfig.defaults(home).with(Map.ofEntries(
                        Map.entry(ConfigKey.MODEL_DIR, modelDir.toString()),
                        Map.entry(ConfigKey.MODEL_DTYPE, modelDtype),
                        Map.entry(ConfigKey.INFERENCE_BATCHING, mode),
                        Map.entry(ConfigKey.INFERENCE_WORKERS, String.valueOf(workers)),
                        Map.entry(ConfigKey.INFERENCE_MAX_BATCH, String.valueOf(maxBatch)),
                        Map.entry(ConfigKey.INFERENCE_PREFILL_CHUNK, String.valueOf(prefillChunk)),
                        Map.entry(ConfigKey.INFERENCE_QUEUE, "1000"),
                        // no reviewers' candidates generated in the background, which would run between and
                        // beside the measured chats (and beside a --peer's)
                        Map.entry(ConfigKey.REVIEW_BUFFER, "0"),
                        Map.entry(ConfigKey.LIMITS_REQUESTS_PER_MINUTE, "1000000"),
                        Map.entry(ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "100000"),
                        Map.entry(ConfigKey.LOG_LEVEL, "WARN"))))
                .toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    }
}
