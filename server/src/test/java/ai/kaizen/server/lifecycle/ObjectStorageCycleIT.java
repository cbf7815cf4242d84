package ai.kaizen.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.db.account.Role;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.S3ProxyServer;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A retraining cycle with every artifact in object storage (S3Proxy, a real S3 server, in a process of its own):
 * the server copies its configured model into the bucket before registering it, the trainer (a child process,
 * with the credentials from its environment, as a Kubernetes pod would have them) reads the base model from the
 * bucket, saves its datasets and checkpoints there and stores the candidate there, and the server serves the
 * candidate from its cache once it is promoted.
 */
class ObjectStorageCycleIT {

    @TempDir
    Path dir;

    @Test
    void aCycleTrainsFromAndIntoTheBucketAndTheServerServesTheCandidateFromItsCache() throws Exception {
        // the failsafe configuration gives this JVM, and so the trainer, S3Proxy's credentials
        assertThat(System.getenv("AWS_ACCESS_KEY_ID")).isEqualTo(S3ProxyServer.ACCESS_KEY);
        try (S3ProxyServer s3proxy = S3ProxyServer.start(Files.createDirectories(dir.resolve("s3")));
             S3Client s3 = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
                     .endpointOverride(s3proxy.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                     .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                             S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY))).build()) {
            s3.createBucket(b -> b.bucket("kaizen-models"));
            Path home = dir.resolve("home");
            KaizenServer server = KaizenServer.start(KaizenConfig.defaults(home).with(Map.of(
                            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
                            ConfigKey.ARTIFACTS_URL, "s3://kaizen-models/it",
                            ConfigKey.ARTIFACTS_S3_ENDPOINT, s3proxy.endpoint().toString(),
                            ConfigKey.ARTIFACTS_S3_PATH_STYLE, "true",
                            ConfigKey.CHAT_MAX_NEW_TOKENS, "12",
                            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
                            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000",
                            ConfigKey.CYCLE_HEARTBEAT_SECONDS, "1",
                            // this test is about storage: a trainer JVM slow to start on a busy machine is not
                            ConfigKey.CYCLE_HEARTBEAT_TIMEOUT_SECONDS, "180")))
                    .toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
            try {
                Accounts accounts = TestClient.accounts(server);
                accounts.createUser("otto", Role.OPERATOR, "operator password").toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                TestClient operator = TestClient.signedIn(server.port(), "otto", "operator password");
                JsonObject base = versions(operator).getJsonObject(0);
                assertThat(base.getString("artifact_path")).as("model.dir is copied into the bucket")
                        .startsWith("s3://kaizen-models/it/models/stories260k");

                new TestClient(server.port()).openChat().askAndRate(5, "Where is my order?", "I want a refund.",
                        "My parcel is late.", "Cancel my subscription.", "Do you ship abroad?",
                        "The item arrived broken.");
                long id = operator.json("POST", "/api/console/cycles", new JsonObject().put("preset", "tiny")
                        .put("dataset", new JsonObject().put("evalFraction", 0.25))
                        .put("gate", new JsonObject().put("min_prompts", 1))).getLong("id");
                JsonObject cycle = waitForEnd(operator, id);
                assertThat(cycle.getString("status")).as(cycle.getString("error") + "\n" + trainerLog(home, id))
                        .isIn("succeeded", "gate_failed",
                        "no_verdict");
                long candidate = cycle.getLong("candidate_version_id");
                JsonObject registered = versions(operator).stream().map(JsonObject.class::cast)
                        .filter(v -> v.getLong("id") == candidate).findFirst().orElseThrow();
                assertThat(registered.getString("artifact_path"))
                        .startsWith("s3://kaizen-models/it/models/cycle-" + id + "@");
                List<String> keys = s3.listObjectsV2Paginator(b -> b.bucket("kaizen-models").prefix("it/"))
                        .contents().stream().map(o -> o.key()).toList();
                assertThat(keys).as("the candidate, whole, and the cycle's datasets and checkpoints")
                        .contains(registered.getString("artifact_path").substring("s3://kaizen-models/".length())
                                + "/manifest.json")
                        .anyMatch(k -> k.startsWith("it/cycles/" + id + "/dataset/"))
                        .anyMatch(k -> k.startsWith("it/cycles/" + id + "/sft/"));

                operator.json("POST", "/api/console/models/" + candidate + "/promote", new JsonObject()
                        .put("override_reason", "object storage test"));
                assertThat(server.model().orElseThrow().version()).isEqualTo(registered.getString("label"));
                assertThat(home.resolve("cache/models/" + registered.getString("sha256")).resolve("config.json"))
                        .as("served from this machine's cache of the bucket").isRegularFile();
            } finally {
                server.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
        }
    }

    private static String trainerLog(Path home, long id) throws java.io.IOException {
        Path log = home.resolve("cycles").resolve(Long.toString(id)).resolve("trainer.log");
        return Files.isRegularFile(log) ? Files.readString(log) : "(no trainer log)";
    }

    private static JsonArray versions(TestClient operator) throws Exception {
        return operator.json("GET", "/api/console/models", new JsonObject()).getJsonArray("versions");
    }

    private static JsonObject waitForEnd(TestClient operator, long id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        JsonObject cycle;
        do {
            cycle = operator.json("GET", "/api/console/cycles/" + id, new JsonObject());
            if (!List.of("queued", "running").contains(cycle.getString("status"))) {
                return cycle;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("cycle " + id + " did not end: " + cycle.encode());
    }
}
