package ai.kaizen.server.chat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java client, pointed at Kaizen, works unchanged; what it does is stored. */
class OpenAiCompatibilityTest {

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "24"));

    static String key;

    @BeforeAll
    static void start() throws Exception {
        key = await(TestClient.accounts(kaizen.server()).createApiKey("tests")).key();
    }

    private static OpenAIClient client(String apiKey) {
        return OpenAIOkHttpClient.builder().apiKey(apiKey)
                .baseUrl("http://127.0.0.1:" + kaizen.port() + "/v1").maxRetries(0).build();
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
        var stored = new ConversationRepository(kaizen.sessions())
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
                        URI.create("http://127.0.0.1:" + kaizen.port() + "/v1/feedback"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("message_id", first).put("thumbs", -1)
                        .put("stars", 2).put("comment", "off topic").put("compared_with", second)
                        .put("choice", "b").encode()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(rated.statusCode()).as(rated.body()).isEqualTo(200);
        UUID firstId = UUID.fromString(first.substring("chatcmpl-".length()));
        var ratings = new FeedbackRepository(kaizen.sessions()).ratings(firstId)
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(ratings).singleElement().satisfies(r -> {
            assertThat(r.thumbs()).isEqualTo(-1);
            assertThat(r.stars()).isEqualTo(2);
        });
        assertThat(new JsonObject(rated.body()).getString("comparison_id")).isNotBlank();

        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + kaizen.port() + "/v1/feedback"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message_id\":\"chatcmpl-" + UUID.randomUUID()
                        + "\",\"thumbs\":1}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(unknown.body()).getJsonObject("error").getString("message")).contains("no such");
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + kaizen.port() + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long storedConversations() throws Exception {
        return new ConversationRepository(kaizen.sessions()).count("apikey:1")
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aPairwiseChoiceBetweenAnswersToDifferentPromptsIsRefused() throws Exception {
        OpenAIClient client = client(key);
        String first = client.chat().completions().create(params()).id();
        String other = client.chat().completions().create(ChatCompletionCreateParams.builder().model("kaizen")
                .addUserMessage("Where is my parcel?").maxCompletionTokens(8).build()).id();
        HttpResponse<String> refused = post("/v1/feedback", new JsonObject().put("message_id", first)
                .put("thumbs", 1).put("compared_with", other).put("choice", "a").encode());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("message"))
                .contains("different prompts");
        // nothing of the request was stored, not even its rating
        UUID firstId = UUID.fromString(first.substring("chatcmpl-".length()));
        assertThat(new FeedbackRepository(kaizen.sessions()).ratings(firstId)
                .toCompletableFuture().get(30, TimeUnit.SECONDS)).isEmpty();
        var messages = new ConversationRepository(kaizen.sessions());
        UUID prompt = messages.findMessage(firstId, "apikey:1").toCompletableFuture().get(30, TimeUnit.SECONDS)
                .orElseThrow().parentId();
        assertThat(new FeedbackRepository(kaizen.sessions()).comparisonsFor(prompt)
                .toCompletableFuture().get(30, TimeUnit.SECONDS)).isEmpty();

        // a choice alone takes another path (one statement), refused alike; with the same prompt it is stored
        HttpResponse<String> choiceAlone = post("/v1/feedback", new JsonObject().put("message_id", first)
                .put("compared_with", other).put("choice", "a").encode());
        assertThat(choiceAlone.statusCode()).as(choiceAlone.body()).isEqualTo(400);
        assertThat(choiceAlone.body()).contains("different prompts");
        String same = client.chat().completions().create(params()).id();
        HttpResponse<String> stored = post("/v1/feedback", new JsonObject().put("message_id", first)
                .put("compared_with", same).put("choice", "b").encode());
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
        assertThat(new FeedbackRepository(kaizen.sessions()).comparisonsFor(prompt)
                .toCompletableFuture().get(30, TimeUnit.SECONDS)).singleElement().satisfies(c -> {
                    assertThat(c.id().toString()).isEqualTo(new JsonObject(stored.body()).getString("comparison_id"));
                    assertThat(c.choice()).contains(PairwiseComparison.Choice.B);
                });
    }

    @Test
    void oldTurnsAreLeftOutButALastMessageTooLongForTheModelIsRefused() throws Exception {
        java.util.Random random = new java.util.Random(7);
        JsonArray messages = new JsonArray().add(new JsonObject().put("role", "system").put("content", "Be brief."));
        for (int i = 0; i < 6; i++) {
            messages.add(new JsonObject().put("role", i % 2 == 0 ? "user" : "assistant")
                    .put("content", ChatRoutesTest.prose(random, 1500)));
        }
        messages.add(new JsonObject().put("role", "user").put("content", "And my refund?"));
        HttpResponse<String> answered = post("/v1/chat/completions",
                new JsonObject().put("model", "kaizen").put("messages", messages).put("max_tokens", 8).encode());
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        assertThat(new JsonObject(answered.body()).getJsonObject("usage").getInteger("prompt_tokens"))
                .isLessThanOrEqualTo(512 - 8);

        long before = storedConversations();
        messages.add(new JsonObject().put("role", "assistant").put("content", "Which order?"));
        messages.add(new JsonObject().put("role", "user").put("content", ChatRoutesTest.prose(random, 4000)));
        for (boolean stream : new boolean[]{false, true}) {
            HttpResponse<String> refused = post("/v1/chat/completions", new JsonObject().put("model", "kaizen")
                    .put("messages", messages).put("stream", stream).encode());
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
            assertThat(error.getString("code")).isEqualTo("context_length_exceeded");
            assertThat(error.getString("type")).isEqualTo("invalid_request_error");
            assertThat(error.getString("message")).contains("maximum context length is 512 tokens");
        }
        assertThat(storedConversations()).isEqualTo(before);
    }

    @Test
    void textTheDatabaseCannotHoldIsA400() throws Exception {
        for (String body : List.of(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\\u0000\"}]}",
                "{\"messages\":[{\"role\":\"user\",\"name\":\"a\\u0000\",\"content\":\"hi\"}]}",
                "{\"messages\":[{\"role\":\"system\",\"content\":\"\\u0000\"},{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"\\ud83d\"}]}]}")) {
            HttpResponse<String> r = post("/v1/chat/completions", body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message")).as(body)
                    .containsAnyOf("NUL", "surrogate");
        }
        HttpResponse<String> feedback = post("/v1/feedback",
                "{\"message_id\":\"chatcmpl-" + UUID.randomUUID() + "\",\"comment\":\"\\u0000\"}");
        assertThat(feedback.statusCode()).isEqualTo(400);
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
                            URI.create("http://127.0.0.1:" + kaizen.port() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message")).as(body).isNotBlank();
        }
    }
}
