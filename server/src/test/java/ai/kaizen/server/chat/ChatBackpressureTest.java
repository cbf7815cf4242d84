package ai.kaizen.server.chat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import ai.kaizen.server.inference.Inference;
import ai.kaizen.model.generation.GenerationOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A busy model refuses new chats with 503 instead of queueing without bound; a client that leaves stops its answer. */
class ChatBackpressureTest {

    @TempDir
    Path home;
    KaizenServer server;

    /** One batch place (or worker) and one waiting place. */
    private void start(String batching) throws Exception {
        server = KaizenServer.start(KaizenConfig.defaults(home).with(Map.of(
                        ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
                        ConfigKey.CHAT_MAX_NEW_TOKENS, "300",
                        ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
                        ConfigKey.INFERENCE_BATCHING, batching,
                        ConfigKey.INFERENCE_MAX_BATCH, "1",
                        ConfigKey.INFERENCE_WORKERS, "1",
                        ConfigKey.INFERENCE_QUEUE, "1",
                        // no review candidates sampled in the background: the places are the chats' alone
                        ConfigKey.REVIEW_BUFFER, "0")))
                .toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    /** A chat whose answer stream stays open until closed: what a browser tab does. */
    record OpenStream(String conversation, HttpResponse<InputStream> response, BufferedReader reader) {
        /** Reads up to the first token, so the answer is known to be under way. */
        String answerId() throws Exception {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("data: ") && line.contains("\"answers\"")) {
                    return new JsonObject(line.substring(6)).getJsonArray("answers").getString(0);
                }
            }
            throw new AssertionError("stream ended before it started: status " + response.statusCode());
        }
    }

    @Test
    void withContinuousBatchingAFullQueueAnswers503AndALeavingClientCancelsItsAnswer() throws Exception {
        start("continuous");
        aFullQueueAnswers503AndALeavingClientCancelsItsAnswer();
    }

    @Test
    void withAWorkerPerRequestAFullQueueAnswers503AndALeavingClientCancelsItsAnswer() throws Exception {
        start("per-request");
        aFullQueueAnswers503AndALeavingClientCancelsItsAnswer();
    }

    private void aFullQueueAnswers503AndALeavingClientCancelsItsAnswer() throws Exception {
        // A client that can hold answer streams open, with the session and CSRF token of the chat page.
        HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .build();
        String page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String csrf = page.replaceAll("(?s).*name=\"csrf-token\" content=\"([^\"]+)\".*", "$1");

        // Occupy the model (its only batch place, or its only worker) until released, so that what follows waits,
        // deterministically, however fast the model is.
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch occupied = new java.util.concurrent.CountDownLatch(1);
        server.inference().generate(new Inference.Request(server.model().orElseThrow(),
                List.of(new int[]{1}), GenerationOptions.greedy(2), token -> {
                    occupied.countDown();
                    try {
                        return !release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, () -> false, Inference.Priority.CHAT));
        assertThat(occupied.await(60, TimeUnit.SECONDS)).isTrue();
        OpenStream first = openWith(http, csrf);
        String firstAnswer = first.answerId(); // accepted: it waits in the queue's one place

        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.port() + "/api/conversations/" + newConversation(http, csrf) + "/messages"))
                .header("X-CSRF-Token", csrf).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"hello?\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(new JsonObject(refused.body()).getString("error")).contains("busy");

        // The waiting client goes away; when its turn comes, its answer stops at once and is kept as cancelled.
        first.response().body().close();
        Thread.sleep(300);
        release.countDown();
        ConversationRepository conversations = new ConversationRepository(server.database().sessions());
        Message stored = null;
        // stored when its generation was queued, as interrupted until it ends
        for (int i = 0; i < 100 && (stored == null || stored.interrupted()); i++) {
            Thread.sleep(100);
            Optional<Message> found = conversations.messages(UUID.fromString(first.conversation()))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS).stream()
                    .filter(m -> m.id().toString().equals(firstAnswer)).findFirst();
            stored = found.orElse(null);
        }
        assertThat(stored).isNotNull();
        assertThat(stored.finishReason()).isEqualTo("cancelled");
        assertThat(stored.completionTokens()).isLessThanOrEqualTo(2);

        // And the model serves again.
        OpenStream next = openWith(http, csrf);
        assertThat(next.response().statusCode()).isEqualTo(200);
        next.response().body().close();
    }
    private String newConversation(HttpClient http, String csrf) throws Exception {
        return new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                                + "/api/conversations")).header("X-CSRF-Token", csrf)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString())
                .body()).getString("id");
    }

    private OpenStream openWith(HttpClient http, String csrf) throws Exception {
        String conversation = newConversation(http, csrf);
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.port() + "/api/conversations/" + conversation + "/messages"))
                .header("X-CSRF-Token", csrf).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"Tell me a long story\"}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        return new OpenStream(conversation, response,
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8)));
    }
}
