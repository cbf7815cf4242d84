package ai.kaizen.server.chat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.account.Role;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Chat and feedback over real HTTP, with the real stories260k model and the real (embedded) database. */
class ChatRoutesTest {

    @TempDir
    static Path home;
    static KaizenServer server;

    @BeforeAll
    static void start() throws Exception {
        server = KaizenServer.start(KaizenConfig.defaults(home).with(Map.of(
                        ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
                        ConfigKey.CHAT_MAX_NEW_TOKENS, "24",
                        ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
                        ConfigKey.LIMITS_MESSAGE_CHARS, "500",
                        ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000")))
                .toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
        Accounts accounts = TestClient.accounts(server);
        await(accounts.createUser("rita", Role.REVIEWER, "reviewer password"));
        await(accounts.createUser("otto", Role.OPERATOR, "operator password"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static TestClient user() throws Exception {
        return new TestClient(server.port()).openChat();
    }

    private static String newConversation(TestClient client) throws Exception {
        return client.json("POST", "/api/conversations", new JsonObject()).getString("id");
    }

    @Test
    void aConversationStreamsItsAnswerAndStoresIt() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        TestClient.Stream stream = client.stream("/api/conversations/" + id + "/messages",
                new JsonObject().put("content", "Once upon a time"));
        assertThat(stream.status()).isEqualTo(200);
        JsonObject start = stream.first("start").data();
        assertThat(start.getJsonArray("answers")).hasSize(1);
        String answerId = start.getJsonArray("answers").getString(0);
        assertThat(stream.named("token")).isNotEmpty();
        JsonObject done = stream.first("done").data();
        assertThat(done.getString("message_id")).isEqualTo(answerId);
        assertThat(done.getString("text")).isEqualTo(stream.text(answerId)).isNotBlank();
        assertThat(stream.named("end")).hasSize(1);

        JsonObject conversation = new JsonObject(client.get("/api/conversations/" + id).body());
        assertThat(conversation.getString("title")).isEqualTo("Once upon a time");
        JsonArray messages = conversation.getJsonArray("messages");
        assertThat(messages).hasSize(2);
        assertThat(messages.getJsonObject(0).getString("role")).isEqualTo("user");
        assertThat(messages.getJsonObject(1).getString("content")).isEqualTo(done.getString("text"));

        List<Message> stored = await(new ConversationRepository(server.database().sessions())
                .messages(UUID.fromString(id)));
        Message answer = stored.stream().filter(m -> m.role() == Message.Author.assistant).findFirst().orElseThrow();
        assertThat(answer.modelVersion()).startsWith("stories260k@");
        assertThat(new JsonObject(answer.sampling()).getDouble("temperature")).isEqualTo(0.8);
        assertThat(answer.completionTokens()).isPositive();
        assertThat(answer.promptTokens()).isPositive();
        assertThat(answer.firstTokenMs()).isNotNull();
        assertThat(answer.latencyMs()).isGreaterThanOrEqualTo(answer.firstTokenMs());

        // The list shows it, the second turn continues it.
        assertThat(client.get("/api/conversations").body()).contains(id);
        TestClient.Stream second = client.stream("/api/conversations/" + id + "/messages",
                new JsonObject().put("content", "And then?"));
        assertThat(second.status()).isEqualTo(200);
        assertThat(new JsonObject(client.get("/api/conversations/" + id).body()).getJsonArray("messages")).hasSize(4);
    }

    @Test
    void changingOnesMindUpdatesTheRatingInsteadOfAddingOne() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        String answer = client.stream("/api/conversations/" + id + "/messages",
                        new JsonObject().put("content", "Where is my parcel?"))
                .first("start").data().getJsonArray("answers").getString(0);

        JsonObject down = client.json("PUT", "/api/messages/" + answer + "/rating", new JsonObject()
                .put("thumbs", -1).put("reasons", new JsonArray().add("incorrect").add("too long"))
                .put("comment", "It never says where."));
        assertThat(down.getInteger("thumbs")).isEqualTo(-1);
        JsonObject stars = client.json("PUT", "/api/messages/" + answer + "/rating", new JsonObject().put("stars", 2));
        assertThat(stars.getInteger("stars")).isEqualTo(2);
        assertThat(stars.getInteger("thumbs")).isEqualTo(-1);
        JsonObject up = client.json("PUT", "/api/messages/" + answer + "/rating", new JsonObject()
                .put("thumbs", 1).put("reasons", new JsonArray()));
        assertThat(up.getJsonArray("reasons")).isEmpty();

        var ratings = await(new FeedbackRepository(server.database().sessions()).ratings(UUID.fromString(answer)));
        assertThat(ratings).hasSize(1);
        assertThat(ratings.get(0).thumbs()).isEqualTo(1);
        assertThat(ratings.get(0).stars()).isEqualTo(2);
        assertThat(ratings.get(0).comment()).isEqualTo("It never says where.");

        JsonObject shown = new JsonObject(client.get("/api/conversations/" + id).body());
        assertThat(shown.getJsonArray("messages").getJsonObject(1).getJsonObject("rating").getInteger("stars"))
                .isEqualTo(2);
    }

    @Test
    void regeneratingShowsTwoAnswersAndTheChoiceIsStored() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        String first = client.stream("/api/conversations/" + id + "/messages",
                        new JsonObject().put("content", "I want a refund"))
                .first("start").data().getJsonArray("answers").getString(0);
        TestClient.Stream pair = client.stream("/api/messages/" + first + "/regenerate", new JsonObject());
        assertThat(pair.status()).isEqualTo(200);
        JsonObject start = pair.first("start").data();
        JsonArray sides = start.getJsonArray("answers");
        assertThat(sides).hasSize(2);
        String comparison = start.getString("comparison_id");
        assertThat(pair.named("done")).hasSize(2);

        JsonObject pending = new JsonObject(client.get("/api/conversations/" + id).body())
                .getJsonObject("pending_comparison");
        assertThat(pending.getString("id")).isEqualTo(comparison);
        assertThat(pending.getJsonObject("a").getString("id")).isEqualTo(sides.getString(0));

        JsonObject chosen = client.json("PUT", "/api/comparisons/" + comparison + "/choice",
                new JsonObject().put("choice", "b"));
        assertThat(chosen.getString("continuing_message_id")).isEqualTo(sides.getString(1));
        JsonObject after = new JsonObject(client.get("/api/conversations/" + id).body());
        assertThat(after.containsKey("pending_comparison")).isFalse();
        JsonArray messages = after.getJsonArray("messages");
        assertThat(messages.getJsonObject(messages.size() - 1).getString("id")).isEqualTo(sides.getString(1));

        var stored = await(new FeedbackRepository(server.database().sessions())
                .findComparison(UUID.fromString(comparison), "ignored")).isPresent();
        assertThat(stored).isFalse(); // scoped to the rater who saw it
        var comparisons = await(new FeedbackRepository(server.database().sessions())
                .comparisonsFor(UUID.fromString(messages.getJsonObject(messages.size() - 2).getString("id"))));
        assertThat(comparisons).singleElement().satisfies(c -> {
            assertThat(c.choice()).hasValueSatisfying(v -> assertThat(v.label()).isEqualTo("b"));
            assertThat(c.trigger().name()).isEqualTo("regenerate");
        });
    }

    @Test
    void othersCannotSeeOrRateAConversation() throws Exception {
        TestClient owner = user();
        String id = newConversation(owner);
        String answer = owner.stream("/api/conversations/" + id + "/messages",
                new JsonObject().put("content", "hello")).first("start").data().getJsonArray("answers").getString(0);
        TestClient stranger = user();
        assertThat(stranger.get("/api/conversations/" + id).statusCode()).isEqualTo(404);
        assertThat(stranger.send("PUT", "/api/messages/" + answer + "/rating", "{\"thumbs\":1}").statusCode())
                .isEqualTo(404);
        assertThat(stranger.stream("/api/conversations/" + id + "/messages",
                new JsonObject().put("content", "x")).status()).isEqualTo(404);
        assertThat(stranger.get("/api/conversations").body()).doesNotContain(id);
    }

    @Test
    void badInputGetsA4xxWithAMessage() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        String messages = "/api/conversations/" + id + "/messages";
        assertThat(client.send("POST", messages, "{not json").statusCode()).isEqualTo(400);
        assertThat(client.send("POST", messages, "[1,2]").statusCode()).isEqualTo(400);
        assertThat(client.send("POST", messages, "{\"content\": 5}").statusCode()).isEqualTo(400);
        assertThat(client.send("POST", messages, "{\"content\": \"   \"}").statusCode()).isEqualTo(400);
        HttpResponse<String> tooLong = client.send("POST", messages,
                new JsonObject().put("content", "x".repeat(501)).encode());
        assertThat(tooLong.statusCode()).isEqualTo(413);
        assertThat(new JsonObject(tooLong.body()).getString("error")).contains("500 characters");
        HttpResponse<String> badUtf8 = client.send("POST", messages, HttpRequest.BodyPublishers.ofByteArray(
                new byte[]{'{', '"', 'c', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'}));
        assertThat(badUtf8.statusCode()).isEqualTo(400);
        assertThat(badUtf8.body()).contains("UTF-8");
        assertThat(client.get("/api/conversations/not-a-uuid").statusCode()).isEqualTo(400);
        assertThat(client.get("/api/conversations/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
        assertThat(client.send("PUT", "/api/messages/" + UUID.randomUUID() + "/rating", "{\"thumbs\":1}")
                .statusCode()).isEqualTo(404);
        assertThat(client.send("PUT", "/api/messages/" + UUID.randomUUID() + "/rating", "{\"thumbs\":7}")
                .statusCode()).isEqualTo(400);
        assertThat(client.send("PUT", "/api/messages/" + UUID.randomUUID() + "/rating", "{\"reasons\":[\"meh\"]}")
                .statusCode()).isEqualTo(400);
        assertThat(client.send("PUT", "/api/comparisons/" + UUID.randomUUID() + "/choice", "{\"choice\":\"c\"}")
                .statusCode()).isEqualTo(400);
        // No 5xx anywhere, and never a stack trace.
        assertThat(tooLong.body()).doesNotContain("Exception", "at ai.kaizen");
    }

    @Test
    void stateChangesNeedTheCsrfToken() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        client.useCsrf("forged");
        assertThat(client.send("POST", "/api/conversations", "{}").statusCode()).isEqualTo(403);
        assertThat(client.stream("/api/conversations/" + id + "/messages",
                new JsonObject().put("content", "hi")).status()).isEqualTo(403);
    }

    @Test
    void scriptsInMessagesStayText() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        String payload = "<script>alert('x')</script><img src=x onerror=alert(1)>";
        client.stream("/api/conversations/" + id + "/messages", new JsonObject().put("content", payload));
        // Stored and returned as data (the page inserts it with textContent), never rendered as markup by the server.
        JsonObject conversation = new JsonObject(client.get("/api/conversations/" + id).body());
        assertThat(conversation.getJsonArray("messages").getJsonObject(0).getString("content")).isEqualTo(payload);
        assertThat(client.get("/api/conversations/" + id).headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        String page = client.get("/?c=" + id).body();
        assertThat(page).doesNotContain("<script>alert");
        // A reflected name on the sign-in page is escaped.
        TestClient other = new TestClient(server.port());
        String login = other.get("/login?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").body();
        assertThat(login).doesNotContain("<script>alert(1)");
    }

    @Test
    void onlyOperatorsChangeTheSystemPrompt() throws Exception {
        String path = "/api/settings/system-prompt";
        String body = new JsonObject().put("system_prompt", "You are Kaizen, the shop's assistant.").encode();
        TestClient anonymous = user();
        assertThat(anonymous.send("PUT", path, body).statusCode()).isEqualTo(401);
        assertThat(anonymous.get(path).statusCode()).isEqualTo(401);
        TestClient reviewer = TestClient.signedIn(server.port(), "rita", "reviewer password");
        assertThat(reviewer.send("PUT", path, body).statusCode()).isEqualTo(403);
        TestClient operator = TestClient.signedIn(server.port(), "otto", "operator password");
        assertThat(operator.send("PUT", path, body).statusCode()).isEqualTo(200);
        assertThat(new JsonObject(operator.get(path).body()).getString("system_prompt"))
                .isEqualTo("You are Kaizen, the shop's assistant.");
        String id = newConversation(anonymous);
        var conversation = await(new ConversationRepository(server.database().sessions())
                .find(UUID.fromString(id), "ignored"));
        assertThat(conversation).isEmpty();
        var stored = await(server.database().sessions().withSession(s ->
                s.find(ai.kaizen.db.chat.Conversation.class, UUID.fromString(id))));
        assertThat(stored.systemPrompt()).isEqualTo("You are Kaizen, the shop's assistant.");
    }
}
