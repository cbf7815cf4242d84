package ai.kaizen.server.simulate;

import ai.kaizen.db.account.Role;
import ai.kaizen.db.cycle.FeedbackCounts;
import ai.kaizen.model.Fixtures;
import ai.kaizen.server.Main;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.config.ConfigKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kaizen simulate} end to end against a real server on the tiny stories260k model (embedded database, real
 * HTTP, a real trainer child process): a dozen customers chat and give feedback through the API, a tiny cycle starts
 * through the console, and its candidate is compared with the serving model on prompts no customer sent.
 */
class SimulationIT {

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000",
            ConfigKey.CYCLE_HEARTBEAT_SECONDS, "1",
            ConfigKey.CYCLE_HEARTBEAT_TIMEOUT_SECONDS, "60"));

    @TempDir
    static Path work;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        Accounts accounts = TestClient.accounts(kaizen.server());
        await(accounts.createUser("otto", Role.OPERATOR, "operator password"));
        key = await(accounts.createApiKey("simulator")).key();
    }

    /** Runs the command; its summary line. */
    private static JsonObject simulate(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("simulate", "--url", "http://127.0.0.1:" + kaizen.port(),
                "--api-key", key, "--customers", "12", "--concurrency", "3", "--seed", "11",
                "--noise", "0.5", "--thumbs", "0.5", "--stars", "0.5", "--pairs", "0.4",
                "--max-tokens", "12", "--eval-prompts", "6",
                "--data", Fixtures.inRepository("data/bitext").toString(), "--out", out.toString()));
        args.addAll(List.of(more));
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(stdout));
        cli.setErr(new PrintWriter(stderr));
        int status = cli.execute(args.toArray(String[]::new));
        assertThat(status).as(stderr.toString()).isZero();
        List<String> lines = stdout.toString().lines().toList();
        return new JsonObject(lines.get(lines.size() - 1));
    }

    private static List<JsonObject> jsonl(Path file) throws Exception {
        return Files.readAllLines(file).stream().map(JsonObject::new).toList();
    }

    @Test
    void customersGiveFeedbackAndACycleIsComparedOnPromptsTheyNeverSent() throws Exception {
        Path password = Files.writeString(work.resolve("password"), "operator password\n");
        // Noise 0.5 with stories260k (which answers no intent) still rates some answers well enough for SFT; one
        // held-out prompt is enough for the gate to give a verdict the simulator can be compared with.
        Path options = Files.writeString(work.resolve("cycle.json"), new JsonObject()
                .put("dataset", new JsonObject().put("evalFraction", 0.34).put("sftMinStars", 1))
                .put("gate", new JsonObject().put("min_prompts", 1)).encode());
        Path out = work.resolve("run");
        JsonObject summary = simulate(out, "--operator", "otto", "--password-file", password.toString(),
                "--cycle", "tiny", "--cycle-options", options.toString());
        assertThat(new JsonObject(Files.readString(out.resolve("summary.json")))).isEqualTo(summary);

        // every customer's visit is logged, and the summary adds them up
        List<JsonObject> interactions = jsonl(out.resolve("interactions.jsonl"));
        assertThat(interactions).hasSize(12).allSatisfy(i -> assertThat(i.getString("error")).isNull());
        assertThat(interactions).extracting(i -> i.getInteger("customer")).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8,
                9, 10, 11);
        int answers = interactions.stream().mapToInt(i -> i.getJsonArray("answers").size()).sum();
        assertThat(summary.getInteger("customers")).isEqualTo(12);
        assertThat(summary.getInteger("messages_sent")).isEqualTo(12);
        assertThat(summary.getInteger("answers_judged")).isEqualTo(answers).isGreaterThan(12);
        JsonObject intentMatch = summary.getJsonObject("intent_match");
        assertThat(intentMatch.getInteger("n")).isEqualTo(answers);
        assertThat(intentMatch.getJsonArray("ci")).hasSize(2);
        assertThat(intentMatch.getJsonArray("ci").getDouble(0)).isLessThanOrEqualTo(intentMatch.getDouble("rate"));
        assertThat(intentMatch.getJsonArray("ci").getDouble(1)).isGreaterThanOrEqualTo(intentMatch.getDouble("rate"));
        assertThat(summary.getDouble("mean_closeness")).isBetween(0.0, 1.0);

        // the feedback stored is the feedback the simulator counted
        JsonObject feedback = summary.getJsonObject("feedback");
        FeedbackCounts.Counts stored = new FeedbackCounts(kaizen.sessions()).since(Instant.EPOCH)
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(stored.ratings()).isEqualTo(feedback.getLong("ratings")).isPositive();
        assertThat(stored.pairwiseChoices()).isEqualTo(feedback.getLong("choices_total")).isPositive();
        assertThat(stored.conversations()).as("each completion is a conversation of its own").isEqualTo((long) answers);
        assertThat(feedback.getInteger("thumbs_up") + feedback.getInteger("thumbs_down")).isPositive();
        assertThat(feedback.getJsonObject("stars")).isNotEmpty();

        // the cycle ran to its end with a verdict
        JsonObject cycle = summary.getJsonObject("cycle");
        assertThat(cycle.getString("status")).as(cycle.encode()).isIn("succeeded", "gate_failed");
        assertThat(cycle.getJsonObject("gate").getString("verdict")).isIn("pass", "fail");

        // the comparison: both models on the six held-out prompts, with intervals, and the gate's verdict beside it
        JsonObject comparison = summary.getJsonObject("comparison");
        assertThat(comparison.getInteger("prompts")).as(comparison.encode()).isEqualTo(6);
        for (String side : List.of("serving", "candidate")) {
            assertThat(comparison.getJsonObject(side).getJsonObject("intent_match").getJsonArray("ci")).hasSize(2);
        }
        assertThat(comparison.getJsonObject("candidate").getLong("version_id"))
                .isEqualTo(cycle.getLong("candidate_version_id"));
        assertThat(comparison.getJsonObject("win_rate").getJsonArray("ci")).hasSize(2);
        assertThat(comparison.getString("verdict")).isIn("pass", "fail");
        assertThat(comparison.getBoolean("agrees_with_gate"))
                .isEqualTo(comparison.getString("verdict").equals(cycle.getJsonObject("gate").getString("verdict")));

        // ... on prompts no customer sent, and that no training or gate saw
        Set<String> compared = jsonl(out.resolve("comparison.jsonl")).stream().map(r -> r.getString("message"))
                .collect(Collectors.toSet());
        assertThat(compared).hasSize(6);
        assertThat(interactions).extracting(i -> i.getString("message")).doesNotContainAnyElementsOf(compared);
        TestClient operator = TestClient.signedIn(kaizen.port(), "otto", "operator password");
        Set<String> trainedOn = new java.util.HashSet<>();
        for (Object d : new JsonArray(operator.get("/api/console/datasets").body())) {
            long id = ((JsonObject) d).getLong("id");
            for (String split : List.of("train", "eval")) {
                operator.get("/api/console/datasets/" + id + "/export?split=" + split).body().lines()
                        .forEach(line -> strings(new JsonObject(line), trainedOn));
            }
        }
        assertThat(interactions).extracting(i -> i.getString("message")).containsAnyElementsOf(trainedOn);
        assertThat(trainedOn).doesNotContainAnyElementsOf(compared);

        // the same seed, the same customers: same messages, answers and feedback (the candidate was not promoted)
        Path again = work.resolve("again");
        simulate(again);
        List<JsonObject> repeated = jsonl(again.resolve("interactions.jsonl"));
        for (int i = 0; i < 12; i++) {
            assertThat(withoutIds(repeated.get(i))).isEqualTo(withoutIds(interactions.get(i)));
        }
    }

    /** Every string in a JSON value, at any depth. */
    private static void strings(Object json, Set<String> into) {
        if (json instanceof String text) {
            into.add(text);
        } else if (json instanceof JsonObject object) {
            object.forEach(e -> strings(e.getValue(), into));
        } else if (json instanceof JsonArray array) {
            array.forEach(v -> strings(v, into));
        }
    }

    /** An interaction without the completion ids, which differ from run to run. */
    private static JsonObject withoutIds(JsonObject interaction) {
        JsonObject copy = interaction.copy();
        copy.getJsonArray("answers").forEach(a -> ((JsonObject) a).remove("id"));
        if (copy.getJsonObject("feedback") != null) {
            copy.getJsonObject("feedback").remove("message_id");
            copy.getJsonObject("feedback").remove("compared_with");
        }
        return copy;
    }
}
