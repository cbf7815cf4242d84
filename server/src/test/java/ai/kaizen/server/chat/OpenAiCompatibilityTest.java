package ai.kaizen.server.chat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java client, pointed at Kaizen, works unchanged; what it does is stored. */
class OpenAiCompatibilityTest {

    @TempDir
    static Path home;
    static KaizenServer server;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        server = KaizenServer.start(KaizenConfig.defaults(home).with(Map.of(
                        ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
                        ConfigKey.CHAT_MAX_NEW_TOKENS, "24")))
                .toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
        key = TestClient.accounts(server)
                .createApiKey("tests").toCompletableFuture().get(30, TimeUnit.SECONDS).key();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static OpenAIClient client(String apiKey) {
        return OpenAIOkHttpClient.builder().apiKey(apiKey)
                .baseUrl("http://127.0.0.1:" + server.port() + "/v1").maxRetries(0).build();
    }

    private static ChatCompletionCreateParams params() {
        return ChatCompletionCreateParams.builder()
                .model("kaizen")
                .addSystemMessage("You are a helpful assistant.")
                .addUserMessage("Once upon a time")
                .maxCompletionTokens(16)
                .build();
    }

    @Test
    void wholeAnswersRoundTripAndAreStored() throws Exception {
        OpenAIClient client = client(key);
        assertThat(client.models().list().data()).singleElement()
                .satisfies(m -> assertThat(m.id()).startsWith("stories260k@"));

        ChatCompletion completion = client.chat().completions().create(params());
        assertThat(completion.id()).startsWith("chatcmpl-");
        String text = completion.choices().get(0).message().content().orElseThrow();
        assertThat(text).isNotBlank();
        assertThat(completion.usage()).hasValueSatisfying(u -> {
            assertThat(u.completionTokens()).isBetween(1L, 16L);
            assertThat(u.promptTokens()).isPositive();
        });

        UUID id = UUID.fromString(completion.id().substring("chatcmpl-".length()));
        var stored = new ConversationRepository(server.database().sessions())
                .findMessage(id, "apikey:1").toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
        assertThat(stored.role()).isEqualTo(Message.Author.assistant);
        assertThat(stored.content()).isEqualTo(text);
    }

    @Test
    void streamedAnswersArriveInChunks() {
        OpenAIClient client = client(key);
        StringBuilder text = new StringBuilder();
        String id;
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params())) {
            chunks = stream.stream().toList();
        }
        chunks.forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
        id = chunks.get(0).id();
        assertThat(chunks.size()).isGreaterThan(2);
        assertThat(id).startsWith("chatcmpl-");
        assertThat(text.toString()).isNotBlank();
        assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason()).isPresent();
    }

    @Test
    void feedbackAttachesToTheStoredAnswer() throws Exception {
        OpenAIClient client = client(key);
        String first = client.chat().completions().create(params()).id();
        String second = client.chat().completions().create(params()).id();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> rated = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/v1/feedback"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("message_id", first).put("thumbs", -1)
                        .put("stars", 2).put("comment", "off topic").put("compared_with", second)
                        .put("choice", "b").encode()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(rated.statusCode()).as(rated.body()).isEqualTo(200);
        UUID firstId = UUID.fromString(first.substring("chatcmpl-".length()));
        var ratings = new FeedbackRepository(server.database().sessions()).ratings(firstId)
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(ratings).singleElement().satisfies(r -> {
            assertThat(r.thumbs()).isEqualTo(-1);
            assertThat(r.stars()).isEqualTo(2);
        });
        assertThat(new JsonObject(rated.body()).getString("comparison_id")).isNotBlank();

        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/v1/feedback"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message_id\":\"chatcmpl-" + UUID.randomUUID()
                        + "\",\"thumbs\":1}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(unknown.body()).getJsonObject("error").getString("message")).contains("no such");
    }

    @Test
    void aWrongKeyIsRefused() {
        assertThatThrownBy(() -> client("kz-not-a-key").chat().completions().create(params()))
                .isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void badRequestsGetOpenAiStyleErrors() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String body : List.of("{}", "{\"messages\":[]}", "{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":3}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"}]}", "nonsense")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message")).as(body).isNotBlank();
        }
    }
}
