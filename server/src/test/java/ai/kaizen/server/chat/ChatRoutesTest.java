package ai.kaizen.server.chat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.account.Role;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.config.ConfigKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Chat and feedback over real HTTP, with the real stories260k model and the real (embedded) database. */
class ChatRoutesTest {

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "24",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
            ConfigKey.LIMITS_MESSAGE_CHARS, "4000",
            ConfigKey.LIMITS_SESSION_CONVERSATIONS, "4",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000"));

    @BeforeAll
    static void start() throws Exception {
        Accounts accounts = TestClient.accounts(kaizen.server());
        await(accounts.createUser("rita", Role.REVIEWER, "reviewer password"));
        await(accounts.createUser("otto", Role.OPERATOR, "operator password"));
    }

    private static TestClient user() throws Exception {
        return kaizen.client().openChat();
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

        List<Message> stored = await(new ConversationRepository(kaizen.sessions())
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
    void aFirstMessageSentTwiceWithOneRequestIdStartsOneConversationWithOneAnswer() throws Exception {
        TestClient client = user();
        JsonObject create = new JsonObject().put("request_id", "double-click-1");
        java.net.http.HttpResponse<String> first = client.send("POST", "/api/conversations", create.encode());
        java.net.http.HttpResponse<String> again = client.send("POST", "/api/conversations", create.encode());
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(again.statusCode()).as("the repeat gets the conversation the first created").isEqualTo(200);
        String id = new JsonObject(first.body()).getString("id");
        assertThat(new JsonObject(again.body()).getString("id")).isEqualTo(id);
        assertThat(new JsonArray(client.get("/api/conversations").body())).hasSize(1);

        // the message twice at once, as a double click sends it: one is answered, the other refused
        JsonObject message = new JsonObject().put("content", "Where is my parcel?").put("request_id", "double-click-1");
        java.util.concurrent.CompletableFuture<TestClient.Stream> a = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> streamOrThrow(client, id, message));
        java.util.concurrent.CompletableFuture<TestClient.Stream> b = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> streamOrThrow(client, id, message));
        List<Integer> statuses = List.of(a.get(60, TimeUnit.SECONDS).status(), b.get(60, TimeUnit.SECONDS).status());
        assertThat(statuses).containsExactlyInAnyOrder(200, 409);
        TestClient.Stream refused = a.get().status() == 409 ? a.get() : b.get();
        assertThat(new JsonObject(refused.body()).getString("error")).contains("already sent");
        // and once more after the answer: still refused
        assertThat(client.stream("/api/conversations/" + id + "/messages", message).status()).isEqualTo(409);

        List<Message> stored = await(new ConversationRepository(kaizen.sessions())
                .messages(UUID.fromString(id)));
        assertThat(stored).extracting(Message::role)
                .containsExactlyInAnyOrder(Message.Author.user, Message.Author.assistant);
        // a new request id is a new message
        assertThat(client.stream("/api/conversations/" + id + "/messages", message.copy()
                .put("request_id", "double-click-2")).status()).isEqualTo(200);
        // an id that is not one is a 400
        assertThat(client.send("POST", "/api/conversations", new JsonObject().put("request_id", "x y").encode())
                .statusCode()).isEqualTo(400);
    }

    private static TestClient.Stream streamOrThrow(TestClient client, String conversation, JsonObject body) {
        try {
            return client.stream("/api/conversations/" + conversation + "/messages", body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Text of {@code chars} characters, of ordinary words (repeated letters would tokenize unrealistically well). */
    static String prose(java.util.Random random, int chars) {
        String[] words = {"parcel", "refund", "order", "delivery", "account", "password", "invoice", "the", "my",
                "was", "never", "arrived", "please", "help", "with", "and", "yesterday", "tracking", "number",
                "address", "changed", "shipping", "cost", "why", "is", "it", "still", "late", "again"};
        StringBuilder text = new StringBuilder();
        while (text.length() < chars) {
            text.append(words[random.nextInt(words.length)]).append(random.nextInt(12) == 0 ? ". " : " ");
        }
        return text.substring(0, chars);
    }

    /** Stores {@code count} alternating user and assistant messages in the conversation, as if typed over time. */
    static void storeLongHistory(String conversationId, int count, int chars) throws Exception {
        ConversationRepository repository = new ConversationRepository(kaizen.sessions());
        UUID conversation = UUID.fromString(conversationId);
        java.util.Random random = new java.util.Random(16);
        List<Message> messages = new java.util.ArrayList<>();
        UUID parent = null;
        for (int i = 0; i < count; i++) {
            Message m = Message.written(conversation, parent, i % 2 == 0 ? Message.Author.user
                    : Message.Author.assistant, prose(random, chars));
            messages.add(m);
            parent = m.id();
        }
        await(repository.append(conversation, messages, parent));
    }

    @Test
    void aLongConversationNeitherStallsTheServerNorSlowsThePost() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        storeLongHistory(id, 60, 4000);

        // While the post is answered, /health must keep answering at once: nothing slow runs on an event loop.
        java.net.http.HttpClient probe = java.net.http.HttpClient.newHttpClient();
        java.net.URI health = java.net.URI.create("http://127.0.0.1:" + kaizen.port() + "/health");
        long slowestAtRest = 0;
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            probe.send(java.net.http.HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
            slowestAtRest = Math.max(slowestAtRest, System.nanoTime() - t0);
            Thread.sleep(10);
        }
        java.util.concurrent.atomic.AtomicBoolean posting = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicLong slowestNanos = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicInteger probes = new java.util.concurrent.atomic.AtomicInteger();
        Thread prober = new Thread(() -> {
            while (posting.get()) {
                long t0 = System.nanoTime();
                try {
                    probe.send(java.net.http.HttpRequest.newBuilder(health).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                slowestNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                probes.incrementAndGet();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        prober.start();
        long t0 = System.nanoTime();
        TestClient.Stream stream;
        try {
            stream = client.stream("/api/conversations/" + id + "/messages",
                    new JsonObject().put("content", "Where is my parcel?"));
        } finally {
            posting.set(false);
            prober.join();
        }
        long postMs = (System.nanoTime() - t0) / 1_000_000;
        long slowestHealthMs = slowestNanos.get() / 1_000_000;
        System.out.printf("long conversation (60 x 4000 chars): post %d ms, slowest of %d /health probes %d ms "
                + "(at rest: %.1f ms)%n", postMs, probes.get(), slowestHealthMs, slowestAtRest / 1e6);

        assertThat(stream.status()).as(stream.body()).isEqualTo(200);
        assertThat(stream.first("start").data().getInteger("dropped_messages")).isPositive();
        assertThat(stream.named("done")).hasSize(1);
        assertThat(slowestHealthMs).isLessThan(500);
    }

    @Test
    void aMessageTooLongForTheModelIsCutToItsEndNotRefused() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        // about 2,300 tokens; stories260k reads 512, of which the answer keeps 24
        String question = prose(new java.util.Random(19), 3970) + " WHERE IS MY PARCEL";
        TestClient.Stream stream = client.stream("/api/conversations/" + id + "/messages",
                new JsonObject().put("content", question));
        assertThat(stream.status()).as(stream.body()).isEqualTo(200);
        JsonObject start = stream.first("start").data();
        assertThat(start.getBoolean("message_cut")).isTrue();
        assertThat(start.getInteger("prompt_tokens")).isBetween(400, 512 - 24);
        assertThat(stream.named("done")).hasSize(1);
        // what the user wrote is stored whole; only the model read less of it
        JsonArray messages = new JsonObject(client.get("/api/conversations/" + id).body()).getJsonArray("messages");
        assertThat(messages).hasSize(2);
        assertThat(messages.getJsonObject(0).getString("content")).isEqualTo(question);
    }

    @Test
    void aRefusedMessageLeavesNothingBehind() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        assertThat(client.send("POST", "/api/conversations/" + id + "/messages",
                new JsonObject().put("content", "x".repeat(4001)).encode()).statusCode()).isEqualTo(413);
        assertThat(client.send("POST", "/api/conversations/" + id + "/messages",
                new JsonObject().put("content", "nul \u0000 here").encode())
                .statusCode()).isEqualTo(400);
        assertThat(await(new ConversationRepository(kaizen.sessions()).messages(UUID.fromString(id))))
                .isEmpty();
    }

    @Test
    void anAnonymousSessionKeepsAtMostItsShareOfConversations() throws Exception {
        TestClient client = user();
        for (int i = 0; i < 4; i++) {
            newConversation(client);
        }
        HttpResponse<String> fifth = client.send("POST", "/api/conversations", "{}");
        assertThat(fifth.statusCode()).isEqualTo(409);
        assertThat(new JsonObject(fifth.body()).getString("error")).contains("4 conversations");
        // signed-in staff are not limited
        TestClient reviewer = TestClient.signedIn(kaizen.port(), "rita", "reviewer password");
        for (int i = 0; i < 5; i++) {
            newConversation(reviewer);
        }
    }

    @Test
    void textTheDatabaseCannotHoldIsA400NotA500() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        String messages = "/api/conversations/" + id + "/messages";
        for (String body : List.of("{\"content\": \"a\\u0000b\"}", "{\"content\": \"a\\ud800b\"}",
                "{\"content\": \"ok\", \"extra\\u0000\": [\"\\udc00\"]}")) {
            HttpResponse<String> r = client.send("POST", messages, body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).as(body).containsAnyOf("NUL", "surrogate");
        }
        // a pair of surrogates is an ordinary character
        assertThat(client.stream(messages, new JsonObject().put("content", "parcel \uD83D\uDCE6?")).status())
                .isEqualTo(200);

        TestClient operator = TestClient.signedIn(kaizen.port(), "otto", "operator password");
        HttpResponse<String> prompt = operator.send("PUT", "/api/settings/system-prompt",
                "{\"system_prompt\": \"Be kind\\u0000\"}");
        assertThat(prompt.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(prompt.body()).getString("error")).contains("NUL");
        HttpResponse<String> cycle = operator.send("POST", "/api/console/cycles",
                "{\"preset\": null, \"stages\": [\"sft\"]}");
        assertThat(cycle.statusCode()).as(cycle.body()).isEqualTo(400);
        assertThat(new JsonObject(cycle.body()).getString("error")).contains("preset");

        TestClient visitor = kaizen.client();
        java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"")
                .matcher(visitor.get("/login").body());
        assertThat(csrf.find()).isTrue();
        HttpResponse<String> login = visitor.postForm("/login", "_csrf=" + csrf.group(1)
                + "&name=otto%00&password=x");
        assertThat(login.statusCode()).isEqualTo(400);
        assertThat(login.body()).contains("Unknown name or wrong password");
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

        var ratings = await(new FeedbackRepository(kaizen.sessions()).ratings(UUID.fromString(answer)));
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

        var stored = await(new FeedbackRepository(kaizen.sessions())
                .findComparison(UUID.fromString(comparison), "ignored")).isPresent();
        assertThat(stored).isFalse(); // scoped to the rater who saw it
        var comparisons = await(new FeedbackRepository(kaizen.sessions())
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
                new JsonObject().put("content", "x".repeat(4001)).encode());
        assertThat(tooLong.statusCode()).isEqualTo(413);
        assertThat(new JsonObject(tooLong.body()).getString("error")).contains("4000 characters");
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
        TestClient other = kaizen.client();
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
        TestClient reviewer = TestClient.signedIn(kaizen.port(), "rita", "reviewer password");
        assertThat(reviewer.send("PUT", path, body).statusCode()).isEqualTo(403);
        TestClient operator = TestClient.signedIn(kaizen.port(), "otto", "operator password");
        assertThat(operator.send("PUT", path, body).statusCode()).isEqualTo(200);
        assertThat(new JsonObject(operator.get(path).body()).getString("system_prompt"))
                .isEqualTo("You are Kaizen, the shop's assistant.");
        String id = newConversation(anonymous);
        var conversation = await(new ConversationRepository(kaizen.sessions())
                .find(UUID.fromString(id), "ignored"));
        assertThat(conversation).isEmpty();
        var stored = await(kaizen.sessions().withSession(s ->
                s.find(ai.kaizen.db.chat.Conversation.class, UUID.fromString(id))));
        assertThat(stored.systemPrompt()).isEqualTo("You are Kaizen, the shop's assistant.");
    }

    /** Rename, delete and search are the owner's alone, and bad input is a 400 with a message. */
    @Test
    void conversationsAreRenamedSearchedAndDeletedByTheirOwnerOnly() throws Exception {
        TestClient owner = user();
        String id = newConversation(owner);
        owner.stream("/api/conversations/" + id + "/messages", new JsonObject().put("content", "My 50% discount code"));
        TestClient stranger = user();

        assertThat(owner.send("PATCH", "/api/conversations/" + id, "{\"title\": \"  \"}").statusCode()).isEqualTo(400);
        assertThat(owner.send("PATCH", "/api/conversations/" + id, new JsonObject().put("title", "x".repeat(201))
                .encode()).body()).contains("at most 200 characters");
        assertThat(stranger.send("PATCH", "/api/conversations/" + id, "{\"title\": \"Mine now\"}").statusCode())
                .isEqualTo(404);
        assertThat(owner.json("PATCH", "/api/conversations/" + id, new JsonObject().put("title", " Discount\n code "))
                .getString("title")).isEqualTo("Discount code");

        // the words of a message find it, case ignored; % and _ are letters, not wildcards
        assertThat(owner.get("/api/conversations?q=DISCOUNT%20CODE").body()).contains(id);
        assertThat(owner.get("/api/conversations?q=50%25").body()).contains(id);
        assertThat(owner.get("/api/conversations?q=5_%25").body()).isEqualTo("[]");
        assertThat(stranger.get("/api/conversations?q=discount").body()).isEqualTo("[]");
        assertThat(owner.get("/api/conversations?q=" + "a".repeat(201)).statusCode()).isEqualTo(400);

        assertThat(stranger.send("DELETE", "/api/conversations/" + id, "").statusCode()).isEqualTo(404);
        assertThat(owner.send("DELETE", "/api/conversations/" + id, "").statusCode()).isEqualTo(204);
        assertThat(owner.get("/api/conversations/" + id).statusCode()).isEqualTo(404);
        assertThat(owner.send("DELETE", "/api/conversations/" + id, "").statusCode()).isEqualTo(404);
        assertThat(await(new ConversationRepository(kaizen.sessions()).messages(UUID.fromString(id))))
                .isEmpty();
    }
}
