package ai.kaizen.server.feedback;

import ai.kaizen.model.Fixtures;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Feedback through the API at speed, over real HTTP into the real database: every acknowledged write is stored,
 * retries with an idempotency key store nothing twice, the key's last use is recorded once a minute, not per
 * request, and {@code /metrics} shows what happened.
 */
class FeedbackWritesTest {

    private static final String METRICS_TOKEN = "metrics-secret";

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "2",
            ConfigKey.LIMITS_REQUESTS_PER_MINUTE, "1000000",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "100000",
            ConfigKey.METRICS_TOKEN, METRICS_TOKEN));

    static String key;
    static String otherKey;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        key = await(TestClient.accounts(kaizen.server()).createApiKey("feedback")).key();
        otherKey = await(TestClient.accounts(kaizen.server()).createApiKey("other")).key();
    }

    static HttpResponse<String> post(String apiKey, String path, String body, String idempotencyKey)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + kaizen.port() + path))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A short answer to the same prompt each time (so any two make a valid pairwise choice). */
    static String answer(String apiKey) throws Exception {
        HttpResponse<String> r = post(apiKey, "/v1/chat/completions", new JsonObject().put("model", "kaizen")
                .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user")
                        .put("content", "Where is my order?"))).put("max_tokens", 1).encode(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("id");
    }

    static long count(String sql) throws Exception {
        return kaizen.sessions().withSession(s -> s.createNativeQuery(sql, Long.class).getSingleResult())
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void everyAcknowledgedWriteFromConcurrentClientsIsStored() throws Exception {
        int clients = 16;
        int writes = 15;
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < clients + 1; i++) {
            answers.add(answer(key));
        }
        long choicesBefore = count("SELECT count(*) FROM pairwise_comparison");
        AtomicInteger acknowledged = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<int[]>> lastStars = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            String mine = answers.get(c);
            String other = answers.get(clients);
            lastStars.add(pool.submit(() -> {
                int last = 0;
                for (int w = 0; w < writes; w++) {
                    int stars = 1 + w % 5;
                    HttpResponse<String> r = post(key, "/v1/feedback", new JsonObject().put("message_id", mine)
                            .put("stars", stars).put("compared_with", other).put("choice", w % 2 == 0 ? "a" : "b")
                            .encode(), null);
                    if (r.statusCode() == 200) {
                        acknowledged.incrementAndGet();
                        last = stars;
                    }
                }
                return new int[]{last};
            }));
        }
        List<Integer> expectedStars = new ArrayList<>();
        for (Future<int[]> f : lastStars) {
            expectedStars.add(f.get(5, TimeUnit.MINUTES)[0]);
        }
        pool.shutdown();

        assertThat(acknowledged.get()).isEqualTo(clients * writes);
        // every choice is a row of its own; every rating ends as its rater's last acknowledged write
        assertThat(count("SELECT count(*) FROM pairwise_comparison") - choicesBefore).isEqualTo(acknowledged.get());
        for (int c = 0; c < clients; c++) {
            UUID id = UUID.fromString(answers.get(c).substring("chatcmpl-".length()));
            assertThat(count("SELECT count(*) FROM rating WHERE message_id = '" + id + "'")).isEqualTo(1);
            assertThat(count("SELECT stars FROM rating WHERE message_id = '" + id + "'"))
                    .isEqualTo((long) expectedStars.get(c));
        }
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyGetsTheFirstAnswerAndStoresNothingNew() throws Exception {
        String a = answer(key);
        String b = answer(key);
        String body = new JsonObject().put("message_id", a).put("thumbs", 1).put("compared_with", b)
                .put("choice", "b").encode();
        long before = count("SELECT count(*) FROM pairwise_comparison");
        HttpResponse<String> first = post(key, "/v1/feedback", body, "retry-1");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();

        // sequential and concurrent retries
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<HttpResponse<String>>> retries = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            retries.add(pool.submit(() -> post(key, "/v1/feedback", body, "retry-1")));
        }
        for (Future<HttpResponse<String>> retry : retries) {
            HttpResponse<String> r = retry.get(60, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject(first.body()));
            assertThat(r.headers().firstValue("Idempotent-Replayed")).contains("true");
        }
        pool.shutdown();
        assertThat(count("SELECT count(*) FROM pairwise_comparison") - before).isEqualTo(1);

        // the same key for another request is refused; another caller's same key is its own
        HttpResponse<String> reused = post(key, "/v1/feedback", new JsonObject().put("message_id", a)
                .put("thumbs", -1).encode(), "retry-1");
        assertThat(reused.statusCode()).as(reused.body()).isEqualTo(422);
        assertThat(count("SELECT count(*) FROM rating WHERE message_id = '" + a.substring(9)
                + "' AND thumbs = 1")).isEqualTo(1);
        HttpResponse<String> bad = post(key, "/v1/feedback", body, "no spaces allowed");
        assertThat(bad.statusCode()).isEqualTo(400);

        // a refused request (not the caller's answer) stores nothing and leaves its key unused
        HttpResponse<String> notMine = post(otherKey, "/v1/feedback", new JsonObject().put("message_id", a)
                .put("thumbs", -1).encode(), "other-1");
        assertThat(notMine.statusCode()).isEqualTo(404);
        assertThat(count("SELECT count(*) FROM feedback_request WHERE idempotency_key = 'other-1'")).isZero();
        assertThat(count("SELECT count(*) FROM rating WHERE message_id = '" + a.substring(9) + "'")).isEqualTo(1);
    }

    @Test
    void aKeysLastUseIsRecordedOnceAMinuteNotPerRequest() throws Exception {
        String sampled = TestClient.accounts(kaizen.server()).createApiKey("sampled").toCompletableFuture()
                .get(30, TimeUnit.SECONDS).key();
        String sql = "SELECT CAST(extract(epoch FROM last_used_at) * 1000000 AS bigint) FROM api_key "
                + "WHERE name = 'sampled'";
        Instant before = Instant.now();
        String a = answer(sampled);
        long firstUse = waitForLastUse(sql);
        assertThat(firstUse).isGreaterThanOrEqualTo(before.toEpochMilli() * 1000 - 1_000_000);
        for (int i = 0; i < 20; i++) {
            assertThat(post(sampled, "/v1/feedback", new JsonObject().put("message_id", a).put("stars", 4).encode(),
                    null).statusCode()).isEqualTo(200);
        }
        Thread.sleep(300); // a write, had one been made, would have landed by now
        assertThat(count(sql)).isEqualTo(firstUse);
    }

    private static long waitForLastUse(String sql) throws Exception {
        for (int i = 0; i < 100; i++) {
            Long value = kaizen.sessions().withSession(s -> s.createNativeQuery(sql, Long.class)
                    .getSingleResultOrNull()).toCompletableFuture().get(30, TimeUnit.SECONDS);
            if (value != null) {
                return value;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("last_used_at was never recorded");
    }

    @Test
    void metricsExposeTheDocumentedSeriesToTheTokenOnly() throws Exception {
        String a = answer(key);
        assertThat(post(key, "/v1/feedback", new JsonObject().put("message_id", a).put("stars", 5).encode(), null)
                .statusCode()).isEqualTo(200);
        // a streamed answer, for the time to first token
        HttpResponse<String> streamed = post(key, "/v1/chat/completions", new JsonObject().put("model", "kaizen")
                .put("stream", true).put("max_tokens", 2).put("messages", new io.vertx.core.json.JsonArray()
                        .add(new JsonObject().put("role", "user").put("content", "Hello"))).encode(), null);
        assertThat(streamed.statusCode()).isEqualTo(200);

        URI metrics = URI.create("http://127.0.0.1:" + kaizen.port() + "/metrics");
        assertThat(http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(401);
        assertThat(http.send(HttpRequest.newBuilder(metrics).header("Authorization", "Bearer wrong").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        HttpResponse<String> scraped = http.send(HttpRequest.newBuilder(metrics)
                .header("Authorization", "Bearer " + METRICS_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scraped.statusCode()).isEqualTo(200);
        assertThat(scraped.headers().firstValue("Content-Type")).hasValueSatisfying(t ->
                assertThat(t).startsWith("text/plain; version=0.0.4"));
        String text = scraped.body();
        assertThat(text)
                .containsPattern("kaizen_http_requests_seconds_count\\{method=\"POST\",route=\"/v1/feedback\","
                        + "status=\"200\"} [1-9]")
                .containsPattern("kaizen_http_requests_seconds_count\\{method=\"GET\",route=\"/metrics\","
                        + "status=\"401\"} [1-9]")
                .containsPattern("kaizen_feedback_writes_total\\{kind=\"rating\",source=\"api\"} [1-9]")
                .contains("kaizen_feedback_writes_total{kind=\"choice\",source=\"page\"}")
                .contains("kaizen_feedback_replays_total")
                .containsPattern("kaizen_http_time_to_first_token_seconds_count\\{route=\"/v1/chat/completions\"}"
                        + " [1-9]")
                .contains("kaizen_cycles{status=\"running\"}")
                .contains("kaizen_cycle_progress_ratio")
                .contains("kaizen_inference_tokens_generated_total")
                .contains("kaizen_inference_batch_size_bucket")
                .contains("kaizen_inference_queue_depth")
                .contains("kaizen_inference_time_to_first_token_seconds_bucket")
                .contains("kaizen_inference_token_latency_seconds_bucket")
                .contains("jvm_memory_used_bytes")
                .contains("jvm_gc_live_data_size_bytes")
                .contains("jvm_threads_live_threads")
                .contains("process_uptime_seconds");
        // a route's series are named by its pattern, never by the ids in the path
        assertThat(text).doesNotContain(a.substring(9));
    }
}
