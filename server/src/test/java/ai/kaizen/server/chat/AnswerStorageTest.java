package ai.kaizen.server.chat;

import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.inference.Inference;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Answers are stored when their generation starts, as interrupted, so that the ids a client already holds name
 * stored answers it can rate and choose; they are finished when the model is done. The model is held busy by a
 * generation of the test's own, so that the answer waits, deterministically, however fast the model is.
 */
class AnswerStorageTest {

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "24",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "1",
            ConfigKey.INFERENCE_BATCHING, "per-request",
            ConfigKey.INFERENCE_WORKERS, "1",
            ConfigKey.REVIEW_BUFFER, "0"));

    static String key;
    private CountDownLatch release;

    @BeforeAll
    static void start() throws Exception {
        key = await(TestClient.accounts(kaizen.server()).createApiKey("tests")).key();
    }

    /** Occupies the model's only worker until {@link #release}. */
    @BeforeEach
    void occupyTheModel() throws Exception {
        release = new CountDownLatch(1);
        CountDownLatch occupied = new CountDownLatch(1);
        KaizenServer server = kaizen.server();
        server.inference().generate(new Inference.Request(server.model().orElseThrow(), List.of(new int[]{1}),
                GenerationOptions.greedy(2), token -> {
                    occupied.countDown();
                    try {
                        return !release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, () -> false, Inference.Priority.CHAT));
        assertThat(occupied.await(60, TimeUnit.SECONDS)).isTrue();
    }

    @AfterEach
    void releaseTheModel() {
        release.countDown();
    }

    /** The answer as stored: at once, since a client learns its id only once it is stored. */
    private static Message stored(String conversationId, String answerId) throws Exception {
        return new ConversationRepository(kaizen.sessions())
                .messages(UUID.fromString(conversationId)).toCompletableFuture().get(30, TimeUnit.SECONDS)
                .stream().filter(m -> m.id().toString().equals(answerId)).findFirst()
                .orElseThrow(() -> new AssertionError("answer " + answerId + " is not stored"));
    }

    @Test
    void aPairWaitingForTheModelIsStoredAndCanBeRatedAndChosenThenFinishes() throws Exception {
        TestClient client = kaizen.client().openChat();
        String conversation = client.json("POST", "/api/conversations", new JsonObject()).getString("id");
        String a;
        String b;
        try (TestClient.OpenStream stream = client.open("/api/conversations/" + conversation + "/messages",
                new JsonObject().put("content", "Once upon a time"))) {
            JsonObject start = stream.until("start").data();
            a = start.getJsonArray("answers").getString(0);
            b = start.getJsonArray("answers").getString(1);
            String comparison = start.getString("comparison_id");

            Message waiting = stored(conversation, a);
            assertThat(waiting.finishReason()).isEqualTo(Message.INTERRUPTED);
            assertThat(waiting.content()).isEmpty();
            assertThat(waiting.modelVersion()).startsWith("stories260k@");
            assertThat(stored(conversation, b).interrupted()).isTrue();
            JsonObject shown = new JsonObject(client.get("/api/conversations/" + conversation).body());
            assertThat(shown.getJsonArray("messages").getJsonObject(1).getString("id")).isEqualTo(a);
            assertThat(shown.getJsonArray("messages").getJsonObject(1).getString("finish_reason"))
                    .isEqualTo("interrupted");
            assertThat(shown.getJsonObject("pending_comparison").getString("id")).isEqualTo(comparison);

            HttpResponse<String> rated = client.send("PUT", "/api/messages/" + a + "/rating",
                    new JsonObject().put("thumbs", -1).encode());
            assertThat(rated.statusCode()).as(rated.body()).isEqualTo(200);
            assertThat(new JsonObject(rated.body()).getInteger("thumbs")).isEqualTo(-1);
            HttpResponse<String> chosen = client.send("PUT", "/api/comparisons/" + comparison + "/choice",
                    new JsonObject().put("choice", "b").encode());
            assertThat(chosen.statusCode()).as(chosen.body()).isEqualTo(200);
            assertThat(new JsonObject(chosen.body()).getString("continuing_message_id")).isEqualTo(b);

            release.countDown();
            JsonObject doneA = null;
            for (TestClient.Event e = stream.next(); e != null && !e.name().equals("end"); e = stream.next()) {
                assertThat(e.name()).isNotEqualTo("error");
                if (e.name().equals("done") && e.data().getString("message_id").equals(a)) {
                    doneA = e.data();
                }
            }
            assertThat(doneA).isNotNull();
            Message finished = stored(conversation, a);
            assertThat(finished.interrupted()).isFalse();
            assertThat(finished.finishReason()).isEqualTo(doneA.getString("finish_reason"));
            assertThat(finished.shown()).isEqualTo(doneA.getString("text")).isNotEmpty();
            assertThat(finished.completionTokens()).isEqualTo(doneA.getInteger("completion_tokens"));
            assertThat(finished.latencyMs()).isNotNull();
            assertThat(stored(conversation, b).interrupted()).isFalse();
        }
        // the rating made while it was written is kept, and the choice moved the conversation on to B
        JsonObject after = new JsonObject(client.get("/api/conversations/" + conversation).body());
        List<String> ids = after.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getString("id")).toList();
        assertThat(ids).hasSize(2).last().isEqualTo(b);
        assertThat(after.containsKey("pending_comparison")).isFalse();
        HttpResponse<String> rating = client.send("PUT", "/api/messages/" + a + "/rating",
                new JsonObject().put("stars", 1).encode());
        assertThat(new JsonObject(rating.body()).getInteger("thumbs")).isEqualTo(-1);
    }

    @Test
    void anApiCompletionWaitingForTheModelCanGetFeedbackThenFinishes() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + kaizen.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("stream", true)
                        .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject()
                                .put("role", "user").put("content", "Once upon a time"))).encode())).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            String id = null;
            for (String line; id == null && (line = reader.readLine()) != null; ) {
                if (line.startsWith("data: {")) {
                    id = new JsonObject(line.substring(6)).getString("id");
                }
            }
            assertThat(id).startsWith(OpenAiRoutes.ID_PREFIX);
            // The first chunk is sent once the answer is stored: its id can be rated at once.
            HttpResponse<String> feedback = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + kaizen.port() + "/v1/feedback")).header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("message_id", id)
                            .put("stars", 2).encode())).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(feedback.statusCode()).as(feedback.body()).isEqualTo(200);
            assertThat(new JsonObject(feedback.body()).getJsonObject("rating").getInteger("stars")).isEqualTo(2);

            release.countDown();
            boolean done = false;
            for (String line; (line = reader.readLine()) != null; ) {
                done |= line.equals("data: [DONE]");
            }
            assertThat(done).isTrue();
        }
    }
}
