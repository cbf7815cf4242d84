package ai.kaizen.server.cli;

import ai.kaizen.server.Logging;
import ai.kaizen.server.simulate.CustomerJudge;
import ai.kaizen.server.simulate.FeedbackShares;
import ai.kaizen.server.simulate.SimulationPrompt;
import ai.kaizen.server.simulate.SimulationPrompts;
import ai.kaizen.server.simulate.SimulationSettings;
import ai.kaizen.server.simulate.SimulationRounds;
import ai.kaizen.server.simulate.Simulator;
import ai.kaizen.trainer.cycle.IntentJudge;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kaizen simulate}: simulated customers against a running server, and optionally a rehearsed cycle. */
@Command(name = "simulate",
        mixinStandardHelpOptions = true,
        description = "Simulated customers send messages from a dataset (Bitext's training split by default) to a "
                + "running Kaizen through /v1/chat/completions and give thumbs, stars and A/B choices through "
                + "/v1/feedback, judged by the evaluation gate's intent classifier and closeness to the reference "
                + "answer, with noise. With --cycle (or --stages, --cycle-options) it then signs in as an operator, "
                + "starts a cycle, follows it to its end and compares its candidate with the serving model on "
                + "held-out prompts no customer sent. Writes interactions.jsonl, comparison.jsonl and summary.json "
                + "under --out and prints the summary as one JSON line.")
public final class SimulateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "The server (default: ${DEFAULT-VALUE}).")
    URI url;

    @ArgGroup(multiplicity = "1")
    ApiKey apiKey;

    /** The key, given on the command line or, kept out of the process list, in a file. */
    static final class ApiKey {
        @Option(names = "--api-key", paramLabel = "KEY", description = "A key from 'kaizen admin create-api-key'.")
        String key;

        @Option(names = "--api-key-file", paramLabel = "FILE", description = "A file whose first line is the key.")
        Path file;
    }

    @Option(names = "--operator", paramLabel = "NAME", description = "The operator who starts the cycle.")
    String operator;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "A file whose first line is the operator's password.")
    Path passwordFile;

    @Option(names = "--customers", paramLabel = "N", defaultValue = "300",
            description = "Simulated customers, one message each (default: ${DEFAULT-VALUE}).")
    int customers;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4",
            description = "Customers at a time (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--noise", paramLabel = "P", defaultValue = "0.1",
            description = "Share of judgements flipped at random (default: ${DEFAULT-VALUE}).")
    double noise;

    @Option(names = "--thumbs", paramLabel = "P", defaultValue = "0.7",
            description = "Share of single answers given thumbs (default: ${DEFAULT-VALUE}).")
    double thumbs;

    @Option(names = "--stars", paramLabel = "P", defaultValue = "0.3",
            description = "Share of single answers given stars (default: ${DEFAULT-VALUE}).")
    double stars;

    @Option(names = "--pairs", paramLabel = "P", defaultValue = "0.2",
            description = "Share of messages answered twice for an A/B choice (default: ${DEFAULT-VALUE}).")
    double pairs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "7",
            description = "Seeds the prompts' split and every customer's draws (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128",
            description = "Longest answer, for the customers and the comparison (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--data", paramLabel = "FILE.jsonl|DIR", description = "The customers' messages: a JSONL file "
            + "of {\"prompt\": ..., \"intent\": ..., \"reference\": ...} lines, or a Bitext folder (default: the "
            + "shipped Bitext's training split).")
    Path data;

    @Option(names = "--bitext", paramLabel = "DIR", description = "The Bitext folder the judge learns from "
            + "(default: --data when it is a folder, else the shipped one).")
    Path bitext;

    @Option(names = "--eval-prompts", paramLabel = "N", defaultValue = "100",
            description = "Messages kept from the customers to compare the cycle's candidate on (default: "
                    + "${DEFAULT-VALUE}).")
    int evalPrompts;

    @Option(names = "--cycle", paramLabel = "PRESET",
            description = "Start a cycle with this preset (tiny, standard) after the customers.")
    String preset;

    @Option(names = "--stages", paramLabel = "STAGE", split = ",",
            description = "The cycle's stages, e.g. dataset,sft,evaluate (default: the server's).")
    List<String> stages;

    @Option(names = "--cycle-options", paramLabel = "FILE.json", description = "More of the cycle's request "
            + "(dataset, gate, sft, ... as POST /api/console/cycles takes them).")
    Path cycleOptions;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1",
            description = "Rounds of fresh customers, each followed by the cycle and the comparison; with more than "
                    + "one, each round writes round-N/ and the run rounds.json and curve.png (set auto_promote in "
                    + "--cycle-options so that a candidate the gate passes serves the next round; default: "
                    + "${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--cycle-timeout-minutes", paramLabel = "M", defaultValue = "240",
            description = "How long to wait for the cycle (default: ${DEFAULT-VALUE}).")
    long cycleTimeoutMinutes;

    @Option(names = "--timeout-seconds", paramLabel = "S", defaultValue = "300",
            description = "How long one request may take (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the log and summary go.")
    Path out;

    @Override
    public Integer call() throws Exception {
        JsonObject cycle = cycleRequest();
        if (cycle != null && (operator == null || passwordFile == null)) {
            throw usage("a cycle needs --operator and --password-file");
        }
        if (cycleTimeoutMinutes < 1 || timeoutSeconds < 1) {
            throw usage("timeouts must be positive");
        }
        SimulationSettings settings;
        try {
            settings = new SimulationSettings(url, apiKey.key != null ? apiKey.key : firstLine(apiKey.file).strip(),
                    customers, concurrency, noise, new FeedbackShares(thumbs, stars, pairs), seed, maxTokens,
                    evalPrompts, Duration.ofSeconds(timeoutSeconds), operator,
                    passwordFile == null ? null : firstLine(passwordFile), cycle,
                    Duration.ofMinutes(cycleTimeoutMinutes), out);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        Logging.setLevel("WARN");
        boolean bitextData = data != null && Files.isDirectory(data);
        Path judgeData = bitext != null ? bitext : bitextData ? data
                : ShippedDataFolder.resolve(spec.commandLine(), null, "bitext");
        IntentJudge intents = IntentJudge.fromBitext(judgeData);
        List<SimulationPrompt> prompts;
        try {
            prompts = data == null ? SimulationPrompts.bitextTraining(judgeData)
                    : bitextData ? SimulationPrompts.bitextTraining(data) : SimulationPrompts.fromJsonl(data, intents);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (rounds < 1 || rounds > 1 && cycle == null) {
            throw usage("--rounds must be at least 1, and more than one round needs a cycle");
        }
        CustomerJudge judge = new CustomerJudge(intents, noise);
        JsonObject summary = rounds == 1
                ? new Simulator(settings, judge, spec.commandLine().getErr()).run(prompts)
                : new JsonObject().put("curve", SimulationRounds.run(settings, judge, spec.commandLine().getErr(),
                        prompts, rounds).getJsonArray("curve"));
        spec.commandLine().getOut().println(summary.encode());
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The cycle's request from --cycle-options, --cycle and --stages; null when none of them is given. */
    private JsonObject cycleRequest() throws IOException {
        if (preset == null && stages == null && cycleOptions == null) {
            return null;
        }
        JsonObject request;
        try {
            request = cycleOptions == null ? new JsonObject()
                    : new JsonObject(Files.readString(cycleOptions, StandardCharsets.UTF_8));
        } catch (DecodeException e) {
            throw usage("--cycle-options " + cycleOptions + " is not a JSON object");
        }
        if (preset != null) {
            request.put("preset", preset);
        }
        if (stages != null) {
            request.put("stages", new JsonArray(List.copyOf(stages)));
        }
        return request;
    }

    /** A file's first line without its line end (as {@code admin create-user} reads a password). */
    private static String firstLine(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
