package ai.kaizen.server;

import ai.kaizen.model.Fixtures;
import ai.kaizen.server.JarProcesses.Run;
import ai.kaizen.trainer.registry.ArtifactStore;
import ai.kaizen.trainer.registry.LocalArtifactStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two kaizen.jar server processes on one PostgreSQL (an embedded one this test starts, reached by
 * {@code database.url}), as two replicas behind a load balancer: what one does, the other sees.
 */
class SeveralServersIT {

    private static final String PASSWORD = "operator password";
    /** Generous, for JVMs starting: the machines that build Kaizen run several builds and trainings at once. */
    private static final Duration STARTUP = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    private final JarProcesses processes = new JarProcesses();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void killLeftovers() {
        processes.close();
    }

    @Test
    void twoServersOnOneDatabaseShareSessionsPromotionsSchedulesAndComparisons() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setPGStartupWait(Duration.ofSeconds(60)).start()) {
            Map<String, String> env = new HashMap<>(Map.of(
                    "KAIZEN_DATABASE_URL", "postgresql://postgres@localhost:" + postgres.getPort() + "/postgres",
                    "KAIZEN_MODEL_DIR", Fixtures.stories260k().toString(),
                    "KAIZEN_HTTP_HOST", "127.0.0.1",
                    "KAIZEN_HTTP_PORT", "0",
                    "KAIZEN_CHAT_MAX_NEW_TOKENS", "6",
                    "KAIZEN_CHAT_PAIRWISE_PROBABILITY", "1",
                    "KAIZEN_COMPARISON_SHARE", "1",
                    "KAIZEN_LIMITS_MESSAGES_PER_MINUTE", "1000"));
            // The scheduler checks every third of the heartbeat timeout: here every second, on each server.
            env.putAll(Map.of("KAIZEN_CYCLE_HEARTBEAT_SECONDS", "1",
                    "KAIZEN_CYCLE_HEARTBEAT_TIMEOUT_SECONDS", "3",
                    "KAIZEN_CYCLE_KUBERNETES_SCHEDULE_TIMEOUT_SECONDS", "1",
                    // a server keeps the sessions it read for ten minutes: only the notice can end one sooner
                    "KAIZEN_SESSION_CACHE_SECONDS", "600"));
            Path homeA = Files.createDirectories(dir.resolve("a"));
            Path homeB = Files.createDirectories(dir.resolve("b"));

            // Started together, as replicas are: both find the configured model unregistered, one registers it.
            Run a = processes.start(homeA, env, "serve");
            Run b = processes.start(homeB, env, "serve");
            int portA = a.awaitListening(STARTUP);
            int portB = b.awaitListening(STARTUP);
            String base = modelOf(portA);
            assertThat(modelOf(portB)).as("both serve the one version registered").isEqualTo(base);

            Run createUser = processes.start(homeA, env, "admin", "create-user", "--name", "otto", "--role",
                    "operator");
            createUser.process().getOutputStream().write((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8));
            createUser.process().getOutputStream().close();
            assertThat(createUser.process().waitFor(STARTUP.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(createUser.process().exitValue()).as(createUser.output()).isZero();
            Run createKey = processes.start(homeA, env, "admin", "create-api-key", "--name", "it");
            assertThat(createKey.process().waitFor(STARTUP.toSeconds(), TimeUnit.SECONDS)).isTrue();
            Thread.sleep(100); // let the reader catch the last lines
            assertThat(createKey.process().exitValue()).as(createKey.output()).isZero();
            String key = createKey.lines().stream().filter(l -> l.startsWith("kz-")).findFirst().orElseThrow();

            // A session begun on A is valid on B, and an API key on both.
            TestClient operatorA = TestClient.signedIn(portA, "otto", PASSWORD);
            TestClient operatorB = operatorA.on(portB);
            JsonObject me = new JsonObject(operatorB.get("/api/me").body());
            assertThat(me.getBoolean("signed_in")).isTrue();
            assertThat(me.getString("role")).isEqualTo("operator");
            for (int port : List.of(portA, portB)) {
                HttpResponse<String> models = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/v1/models"))
                        .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(models.statusCode()).as("the API key on port " + port).isEqualTo(200);
            }

            // A promotion on A reaches B, which loads the version and hot-swaps it in.
            ArtifactStore.Stored copy = LocalArtifactStore.under(dir.resolve("store"))
                    .store(Fixtures.stories260k(), "copy@1");
            long copyId;
            try (Connection c = postgres.getPostgresDatabase().getConnection();
                 PreparedStatement insert = c.prepareStatement("INSERT INTO model_version (label, artifact_path,"
                         + " sha256) VALUES ('copy@1', ?, ?) RETURNING id")) {
                insert.setString(1, copy.location());
                insert.setString(2, copy.sha256());
                try (ResultSet rs = insert.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    copyId = rs.getLong(1);
                }
            }
            operatorA.json("POST", "/api/console/models/" + copyId + "/promote",
                    new JsonObject().put("override_reason", "two servers test"));
            assertThat(modelOf(portA)).isEqualTo("copy@1");
            awaitTrue("B serves the version promoted on A", () -> modelOf(portB).equals("copy@1"));

            // The promotion started an online comparison (the replaced version as challenger); both servers load
            // the challenger, and a vote on each counts in the same comparison.
            for (TestClient operator : List.of(operatorA, operatorB)) {
                awaitTrue("challenger loaded", () -> new JsonObject(operator.get("/api/console/comparisons").body())
                        .getBoolean("challenger_ready"));
            }
            for (int port : List.of(portA, portB)) {
                TestClient user = new TestClient(port).openChat();
                String conversation = user.json("POST", "/api/conversations", new JsonObject()).getString("id");
                TestClient.Stream stream = user.stream("/api/conversations/" + conversation + "/messages",
                        new JsonObject().put("content", "Where is my order?"));
                JsonObject start = stream.first("start").data();
                assertThat(stream.named("done")).extracting(done -> done.data().getString("model_version"))
                        .as("the pair on port " + port + " pits the challenger against the serving version")
                        .containsExactlyInAnyOrder(base, "copy@1");
                user.json("PUT", "/api/comparisons/" + start.getString("comparison_id") + "/choice",
                        new JsonObject().put("choice", "a"));
            }
            for (TestClient operator : List.of(operatorA, operatorB)) {
                JsonObject comparison = running(operator);
                assertThat(comparison.getJsonObject("baseline").getString("label")).isEqualTo("copy@1");
                assertThat(comparison.getJsonObject("challenger").getString("label")).isEqualTo(base);
                assertThat(comparison.getLong("choices")).as("votes cast on A and on B").isEqualTo(2);
            }

            // A schedule saved on B (its CSRF token from A's page) is due at once (two choices since no cycle):
            // both servers' schedulers find it due every second, and one cycle starts.
            operatorB.json("PUT", "/api/console/schedule", new JsonObject().put("cron", (String) null)
                    .put("new_preferences", 1).put("preset", "tiny").put("enabled", true));
            awaitTrue("a scheduled cycle", () -> scheduledCycles(postgres) > 0);
            Thread.sleep(10_000); // ten checks on each server
            assertThat(scheduledCycles(postgres)).as("cycles the schedule started").isEqualTo(1);
            assertThat(List.of(a, b)).as("the server that started it").filteredOn(run -> run.lines().stream()
                    .anyMatch(line -> line.matches(".*scheduled cycle \\d+ started.*"))).hasSize(1);
            operatorA.json("PUT", "/api/console/schedule", new JsonObject().put("enabled", false));
            JsonArray cycles = new JsonArray(operatorA.get("/api/console/cycles").body());
            long cycleId = cycles.getJsonObject(0).getLong("id");
            if (List.of("queued", "running").contains(cycles.getJsonObject(0).getString("status"))) {
                operatorB.send("POST", "/api/console/cycles/" + cycleId + "/cancel", "{}");
            }

            // Signing out on A ends the session on B at once, although B keeps the sessions it read.
            String cookies = operatorA.cookieHeader();
            assertThat(new JsonObject(operatorB.get("/api/me").body()).getBoolean("signed_in")).isTrue();
            assertThat(operatorA.postForm("/logout", "_csrf=" + operatorA.csrf()).statusCode()).isEqualTo(303);
            awaitTrue("the old cookie signed out on B", () -> !new JsonObject(http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + portB + "/api/me")).header("Cookie", cookies).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).getBoolean("signed_in"), Duration.ofSeconds(30));

            for (Run server : List.of(a, b)) {
                server.process().toHandle().descendants().forEach(ProcessHandle::destroyForcibly); // trainers
                server.process().toHandle().destroy();
                assertThat(server.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    private String modelOf(int port) throws Exception {
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
        return new JsonObject(ready.body()).getJsonObject("checks").getJsonObject("model").getString("version");
    }

    private static JsonObject running(TestClient operator) throws Exception {
        return new JsonObject(operator.get("/api/console/comparisons").body()).getJsonArray("comparisons").stream()
                .map(JsonObject.class::cast).filter(c -> c.getBoolean("running")).findFirst().orElseThrow();
    }

    private static long scheduledCycles(EmbeddedPostgres postgres) throws Exception {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT count(*) FROM training_cycle WHERE requested_by = 'scheduler'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void awaitTrue(String what, Callable<Boolean> check) throws Exception {
        awaitTrue(what, check, Duration.ofSeconds(120));
    }

    private static void awaitTrue(String what, Callable<Boolean> check, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!check.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within.toSeconds() + " s: " + what);
            }
            Thread.sleep(100);
        }
    }
}
