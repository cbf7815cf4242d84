package ai.kaizen.server.console;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.account.Role;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.trainer.registry.ArtifactStore;
import ai.kaizen.trainer.registry.LocalArtifactStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Online A/B comparison end to end, with the real stories260k model (registered twice, as two versions), the real
 * database and real HTTP: an operator starts one, every A/B pair of the chat then shows one answer of each version,
 * the users' choices make the head-to-head win rate and its interval, a promotion starts the next comparison
 * against the version it replaced, and stopping one makes pairs come from the serving version alone.
 */
class OnlineComparisonRoutesTest {

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "6",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "1",
            ConfigKey.COMPARISON_SHARE, "1",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000"));

    static TestClient operator;
    static String base;
    static ModelVersion copy;

    @BeforeAll
    static void start() throws Exception {
        Accounts accounts = TestClient.accounts(kaizen.server());
        await(accounts.createUser("otto", Role.OPERATOR, "operator password"));
        operator = TestClient.signedIn(kaizen.port(), "otto", "operator password");
        base = kaizen.server().model().orElseThrow().version();
        ArtifactStore.Stored stored = LocalArtifactStore.under(kaizen.home()).store(Fixtures.stories260k(), "copy@1");
        copy = await(new ModelRegistry(kaizen.sessions()).register(new ModelVersion("copy@1", null, null,
                null, stored.location(), stored.sha256(), "{}", "{}")));
    }

    /** One chat turn shown as an A/B pair: the model version of each side, in the order shown. */
    private record Pair(String comparisonId, List<String> versions) {
    }

    private static Pair askForPair(TestClient user, String question) throws Exception {
        String conversation = user.json("POST", "/api/conversations", new JsonObject()).getString("id");
        TestClient.Stream stream = user.stream("/api/conversations/" + conversation + "/messages",
                new JsonObject().put("content", question));
        JsonObject start = stream.first("start").data();
        JsonArray sides = start.getJsonArray("answers");
        Map<String, String> versionOf = new HashMap<>();
        stream.named("done").forEach(done -> versionOf.put(done.data().getString("message_id"),
                done.data().getString("model_version")));
        return new Pair(start.getString("comparison_id"),
                List.of(versionOf.get(sides.getString(0)), versionOf.get(sides.getString(1))));
    }

    /** Picks the side that {@code version} answered ("tie" and "both_bad" as they are). */
    private static void choose(TestClient user, Pair pair, String verdict) throws Exception {
        String choice = switch (verdict) {
            case "tie", "both_bad" -> verdict;
            default -> pair.versions().get(0).equals(verdict) ? "a" : "b";
        };
        user.json("PUT", "/api/comparisons/" + pair.comparisonId() + "/choice", new JsonObject().put("choice", choice));
    }

    private static JsonObject running() throws Exception {
        return new JsonObject(operator.get("/api/console/comparisons").body()).getJsonArray("comparisons").stream()
                .map(JsonObject.class::cast).filter(c -> c.getBoolean("running")).findFirst().orElse(null);
    }

    @Test
    void pairsPitTheChallengerAgainstTheServingVersionAndTheConsoleShowsTheWinRateWithItsInterval()
            throws Exception {
        assertThat(operator.send("POST", "/api/console/comparisons", "{\"version_id\":\"x\"}").statusCode())
                .isEqualTo(400);
        assertThat(operator.send("POST", "/api/console/comparisons",
                new JsonObject().put("version_id", copy.id()).put("share", 2).encode()).statusCode()).isEqualTo(400);
        assertThat(operator.send("POST", "/api/console/comparisons", "{\"version_id\":999}").statusCode())
                .isEqualTo(404);
        long serving = new JsonObject(operator.get("/api/console/models").body()).getLong("serving_version_id");
        HttpResponse<String> itself = operator.send("POST", "/api/console/comparisons",
                new JsonObject().put("version_id", serving).encode());
        assertThat(itself.statusCode()).isEqualTo(409);
        assertThat(itself.body()).contains("serves already");

        TestClient user = kaizen.client().openChat();
        assertThat(askForPair(user, "Where is my order?").versions()).as("no comparison: one version")
                .containsOnly(base);

        HttpResponse<String> started = operator.send("POST", "/api/console/comparisons",
                new JsonObject().put("version_id", copy.id()).encode());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        JsonObject comparison = new JsonObject(started.body());
        assertThat(comparison.getJsonObject("challenger").getString("label")).isEqualTo("copy@1");
        assertThat(comparison.getJsonObject("baseline").getString("label")).isEqualTo(base);
        assertThat(comparison.getDouble("share")).isEqualTo(1.0);
        assertThat(comparison.getString("verdict")).isEqualTo("no choices yet");
        assertThat(new JsonObject(operator.get("/api/console/comparisons").body()).getBoolean("challenger_ready"))
                .isTrue();

        // challenger 3, baseline 1, one tie: win rate (3 + 0.5) / 5
        for (String verdict : List.of("copy@1", "copy@1", base, "tie", "copy@1")) {
            Pair pair = askForPair(user, "I want a refund.");
            assertThat(pair.versions()).as("one side from each version").containsExactlyInAnyOrder(base, "copy@1");
            choose(user, pair, verdict);
        }
        askForPair(user, "Undecided pairs do not count.");
        JsonObject result = running();
        assertThat(result.getLong("choices")).isEqualTo(5);
        assertThat(result.getLong("challenger_wins")).isEqualTo(3);
        assertThat(result.getLong("baseline_wins")).isEqualTo(1);
        assertThat(result.getLong("ties")).isEqualTo(1);
        assertThat(result.getDouble("win_rate")).isEqualTo(0.7);
        assertThat(result.getDouble("ci_low")).isLessThan(0.7).isGreaterThanOrEqualTo(0.0);
        assertThat(result.getDouble("ci_high")).isGreaterThan(0.7).isLessThanOrEqualTo(1.0);
        assertThat(result.getLong("decided_votes")).as("the tie is no decided vote").isEqualTo(4);
        assertThat(result.getLong("min_votes")).isEqualTo(194);
        assertThat(result.getString("verdict")).as("the always-valid interval is wide, and the minimum far")
                .isEqualTo("too few votes: 4 of 194");

        // Promoting the challenger starts the next comparison: the version it replaced is the challenger now.
        operator.json("POST", "/api/console/models/" + copy.id() + "/promote", new JsonObject());
        JsonObject next = running();
        assertThat(next.getLong("id")).isNotEqualTo(result.getLong("id"));
        assertThat(next.getJsonObject("baseline").getString("label")).isEqualTo("copy@1");
        assertThat(next.getJsonObject("challenger").getString("label")).isEqualTo(base);
        assertThat(next.getLong("choices")).isZero();
        Pair afterPromotion = askForPair(user, "My parcel is late.");
        assertThat(afterPromotion.versions()).containsExactlyInAnyOrder(base, "copy@1");

        assertThat(operator.json("POST", "/api/console/comparisons/stop", new JsonObject()).getBoolean("stopped"))
                .isTrue();
        assertThat(running()).isNull();
        assertThat(askForPair(user, "Thanks!").versions()).containsOnly("copy@1");
        JsonArray audit = new JsonArray(operator.get("/api/console/audit").body());
        assertThat(audit).extracting(a -> ((JsonObject) a).getString("action"))
                .contains("start_comparison", "stop_comparison", "promote");
        assertThat(operator.get("/console").body()).contains("id=\"comparisons\"");
    }
}
