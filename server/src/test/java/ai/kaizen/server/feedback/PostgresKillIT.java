package ai.kaizen.server.feedback;

import ai.kaizen.model.Fixtures;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded PostgreSQL killed with SIGKILL under a stream of feedback writes: every write the server acknowledged
 * is stored, the writes in between get 503 (never 500), and the server heals by itself, without a restart, by
 * starting its database again; {@code /health} stays up meanwhile.
 */
class PostgresKillIT {

    private static final int WRITERS = 4;

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<String> send(KaizenServer server, String key, String method, String path, String body,
                                      String idempotencyKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String answer(KaizenServer server, String key) throws Exception {
        HttpResponse<String> r = send(server, key, "POST", "/v1/chat/completions", new JsonObject()
                .put("model", "kaizen").put("max_tokens", 1).put("messages", new JsonArray()
                        .add(new JsonObject().put("role", "user").put("content", "Where is my order?"))).encode(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("id");
    }

    private static long count(KaizenServer server, String sql) throws Exception {
        return server.database().sessions().withSession(s -> s.createNativeQuery(sql, Long.class).getSingleResult())
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void everyAcknowledgedWriteSurvivesAKillAndTheServerHealsWithoutARestart() throws Exception {
        KaizenServer server = KaizenServer.start(KaizenConfig.defaults(home).with(Map.of(
                        ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
                        ConfigKey.CHAT_MAX_NEW_TOKENS, "1",
                        ConfigKey.LIMITS_REQUESTS_PER_MINUTE, "1000000",
                        ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "100000")))
                .toCompletionStage().toCompletableFuture().get(600, TimeUnit.SECONDS);
        try {
            String key = TestClient.accounts(server).createApiKey("writer").toCompletableFuture()
                    .get(30, TimeUnit.SECONDS).key();
            String a = answer(server, key);
            String b = answer(server, key);
            long choicesBefore = count(server, "SELECT count(*) FROM pairwise_comparison");

            Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
            Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong killedAt = new AtomicLong();
            AtomicLong firstWriteAfterKill = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                writers.add(pool.submit(() -> {
                    for (int i = 0; writing.get(); i++) {
                        String idempotencyKey = UUID.randomUUID().toString();
                        long sentAt = System.nanoTime();
                        HttpResponse<String> r = send(server, key, "POST", "/v1/feedback", new JsonObject()
                                .put("message_id", a).put("compared_with", b).put("choice", i % 2 == 0 ? "a" : "b")
                                .encode(), idempotencyKey);
                        statuses.computeIfAbsent(r.statusCode(), s -> new AtomicLong()).incrementAndGet();
                        if (r.statusCode() == 200) {
                            acknowledged.add(idempotencyKey);
                            long killed = killedAt.get();
                            if (killed != 0 && sentAt > killed) {
                                firstWriteAfterKill.compareAndSet(0, System.nanoTime());
                            }
                        } else if (r.statusCode() == 503) {
                            assertThat(r.headers().firstValue("Retry-After")).isPresent();
                            Thread.sleep(200);
                        }
                    }
                    return null;
                }));
            }

            Thread.sleep(3_000);
            Path pid = home.resolve("postgres/data/postmaster.pid");
            ProcessHandle postgres = ProcessHandle.of(Long.parseLong(Files.readAllLines(pid).get(0).strip()))
                    .orElseThrow();
            long acknowledgedBeforeKill = acknowledged.size();
            killedAt.set(System.nanoTime());
            postgres.destroyForcibly();
            postgres.onExit().get(30, TimeUnit.SECONDS);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (firstWriteAfterKill.get() == 0 && System.nanoTime() < deadline) {
                assertThat(send(server, null, "GET", "/health", null, null).statusCode())
                        .as("/health within health.database-outage-seconds").isEqualTo(200);
                Thread.sleep(250);
            }
            assertThat(firstWriteAfterKill.get()).as("a write acknowledged after the kill").isPositive();
            double recoverySeconds = (firstWriteAfterKill.get() - killedAt.get()) / 1e9;
            Thread.sleep(3_000); // writes go on against the restarted database
            writing.set(false);
            for (Future<?> writer : writers) {
                writer.get(2, TimeUnit.MINUTES);
            }
            pool.shutdown();

            long stored = count(server, "SELECT count(*) FROM pairwise_comparison") - choicesBefore;
            List<String> keys = new ArrayList<>(acknowledged);
            long acknowledgedStored = 0;
            for (int from = 0; from < keys.size(); from += 500) {
                String in = String.join("','", keys.subList(from, Math.min(keys.size(), from + 500)));
                acknowledgedStored += count(server, "SELECT count(*) FROM feedback_request WHERE idempotency_key IN ('"
                        + in + "')");
            }
            System.out.printf("PostgresKillIT: %d writes acknowledged (%d before the kill), %d of them found by "
                            + "their idempotency key, %d choices stored; statuses %s; first acknowledged write "
                            + "%.1f s after the kill%n", keys.size(), acknowledgedBeforeKill, acknowledgedStored,
                    stored, statuses, recoverySeconds);
            assertThat(statuses.keySet()).as("only 200 and 503").containsAnyOf(200).isSubsetOf(200, 503);
            assertThat(acknowledgedStored).isEqualTo(keys.size());
            assertThat(stored).isGreaterThanOrEqualTo(keys.size());
            assertThat((long) keys.size()).isGreaterThan(acknowledgedBeforeKill);
            assertThat(send(server, null, "GET", "/ready", null, null).statusCode()).isEqualTo(200);
        } finally {
            server.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        assertThat(home.resolve("postgres/data/postmaster.pid")).as("the restarted database stopped with the server")
                .doesNotExist();
    }
}
