package ai.kaizen.server.company;

import ai.kaizen.db.account.Role;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.placeholder.PlaceholderFiller;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.trainer.dataset.Dataset;
import ai.kaizen.trainer.dataset.DatasetBuilder;
import ai.kaizen.trainer.dataset.DatasetParameters;
import ai.kaizen.trainer.dataset.SftExample;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The company profile through the console's API (versions, audit, validation, who may), and its values in the
 * answers of the committed starter model (trained on the Bitext answers, so it writes their placeholders): through
 * {@code /v1/chat/completions}, whole and streamed, and the chat page's stream, against the real database and HTTP.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CompanyProfileIT {

    private static final String PHONE = "+1 555 0100";
    private static final String WEBSITE = "Acme Shop";
    private static final String HOURS = "Monday to Friday, 9:00 to 17:00";
    /** Questions the starter model answers with the Bitext data's contact placeholders. */
    private static final List<String> QUESTIONS = List.of(
            "How can I contact customer support? What is your phone number?",
            "I want to speak with a human agent, how do I call customer service?",
            "What are your customer service hours and how do I reach you?");

    /** The starter model keeps a busy machine's cores: a database call here may take up to a minute. */
    private static final Duration DATABASE = Duration.ofSeconds(60);

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.inRepository("models/starter").toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "120",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000"));

    static String key;
    static TestClient otto;

    @BeforeAll
    static void start() throws Exception {
        Accounts accounts = TestClient.accounts(kaizen.server());
        await(accounts.createUser("otto", Role.OPERATOR, "operator password"), DATABASE);
        await(accounts.createUser("rita", Role.REVIEWER, "reviewer password"), DATABASE);
        key = await(accounts.createApiKey("tests"), DATABASE).key();
        otto = TestClient.signedIn(kaizen.port(), "otto", "operator password");
    }

    @Test
    @Order(1)
    void eachSaveIsANewVersionWithWhoAndWhenAndIsAudited() throws Exception {
        JsonObject none = new JsonObject(otto.get("/api/console/company-profile").body());
        assertThat(none.getInteger("version")).isZero();
        assertThat(none.getString("support_phone")).isNull();

        JsonObject first = otto.json("PUT", "/api/console/company-profile", new JsonObject()
                .put("name", "Acme Ltd").put("website_name", WEBSITE).put("website_url", "https://acme.example")
                .put("support_phone", "+1 555 0199").put("support_email", "help@acme.example")
                .put("support_hours", HOURS).put("live_chat", "the chat button on our website")
                .put("extra", new JsonObject().put("{{Order History}}", "Orders")));
        assertThat(first.getInteger("version")).isEqualTo(1);
        assertThat(first.getString("saved_by")).isEqualTo("otto");
        assertThat(Instant.parse(first.getString("saved_at"))).isBeforeOrEqualTo(Instant.now());
        assertThat(first.getJsonObject("extra").getMap()).containsOnly(Map.entry("Order History", "Orders"));

        // fields left out keep their values
        JsonObject second = otto.json("PUT", "/api/console/company-profile", new JsonObject().put("support_phone", PHONE));
        assertThat(second.getInteger("version")).isEqualTo(2);
        assertThat(second.getString("support_phone")).isEqualTo(PHONE);
        assertThat(second.getString("website_name")).isEqualTo(WEBSITE);
        assertThat(new JsonObject(otto.get("/api/console/company-profile").body()).getInteger("version")).isEqualTo(2);

        JsonArray versions = new JsonArray(otto.get("/api/console/company-profile/versions").body());
        assertThat(versions).hasSize(2);
        assertThat(versions.getJsonObject(0).getInteger("version")).isEqualTo(2);
        assertThat(versions.getJsonObject(1).getString("support_phone")).isEqualTo("+1 555 0199");
        assertThat(new JsonObject(otto.get("/api/console/company-profile/versions/1").body())
                .getString("support_phone")).isEqualTo("+1 555 0199");
        assertThat(otto.get("/api/console/company-profile/versions/9").statusCode()).isEqualTo(404);
        assertThat(otto.get("/api/console/company-profile/versions/first").statusCode()).isEqualTo(400);

        JsonArray audit = new JsonArray(otto.get("/api/console/audit").body());
        JsonObject newest = audit.getJsonObject(0);
        assertThat(newest.getString("action")).isEqualTo("set_company_profile");
        assertThat(newest.getString("actor")).isEqualTo("otto");
        assertThat(newest.encode()).contains("support_phone").contains("\"version\":2");
    }

    @Test
    @Order(2)
    void badProfilesAre400sThatNameTheProblemAndSaveNothing() throws Exception {
        HttpResponse<String> email = otto.send("PUT", "/api/console/company-profile",
                new JsonObject().put("support_email", "help at acme").encode());
        assertThat(email.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(email.body()).getString("error")).contains("support_email");
        HttpResponse<String> braces = otto.send("PUT", "/api/console/company-profile",
                new JsonObject().put("extra", new JsonObject().put("Refund Policy", "see {{Refund Page}}")).encode());
        assertThat(braces.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(braces.body()).getString("error")).contains("{{");
        assertThat(otto.send("PUT", "/api/console/company-profile", "[1]").statusCode()).isEqualTo(400);
        assertThat(otto.send("PUT", "/api/console/company-profile", "not json").statusCode()).isEqualTo(400);
        assertThat(new JsonArray(otto.get("/api/console/company-profile/versions").body())).hasSize(2);
    }

    @Test
    @Order(3)
    void onlyOperatorsWithTheSessionsCsrfTokenMayChangeIt() throws Exception {
        TestClient rita = TestClient.signedIn(kaizen.port(), "rita", "reviewer password");
        assertThat(rita.get("/api/console/company-profile").statusCode()).isEqualTo(403);
        assertThat(rita.send("PUT", "/api/console/company-profile", "{\"name\":\"x\"}").statusCode()).isEqualTo(403);
        TestClient anonymous = kaizen.client().openChat();
        assertThat(anonymous.get("/console/company").statusCode()).isIn(302, 303, 401, 403);
        TestClient forged = TestClient.signedIn(kaizen.port(), "otto", "operator password");
        forged.useCsrf("not-the-token");
        assertThat(forged.send("PUT", "/api/console/company-profile", "{\"name\":\"x\"}").statusCode())
                .isEqualTo(403);
        HttpResponse<String> page = otto.get("/console/company");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Company profile").contains("company-form").contains("csrf-token");
        assertThat(new JsonArray(otto.get("/api/console/company-profile/versions").body())).hasSize(2);
    }

    /** A /v1 answer, whole or streamed, to {@code question} with {@code seed}; returns what the caller got. */
    private static Answer v1(String question, long seed, boolean stream) throws Exception {
        JsonObject request = new JsonObject().put("model", "kaizen").put("seed", seed).put("temperature", 0.3)
                .put("stream", stream)
                .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", question)));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + kaizen.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.encode())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        if (!stream) {
            JsonObject body = new JsonObject(r.body());
            return new Answer(body.getString("id").substring("chatcmpl-".length()), body.getJsonArray("choices")
                    .getJsonObject(0).getJsonObject("message").getString("content"));
        }
        StringBuilder text = new StringBuilder();
        String id = null;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: {")) {
                JsonObject chunk = new JsonObject(line.substring(6));
                id = chunk.getString("id").substring("chatcmpl-".length());
                text.append(chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta")
                        .getString("content", ""));
            }
        }
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        return new Answer(id, text.toString());
    }

    private record Answer(String id, String shown) {
    }

    private static Message stored(String answerId) throws Exception {
        return await(new ConversationRepository(kaizen.sessions())
                .findMessage(UUID.fromString(answerId), "apikey:1"), DATABASE).orElseThrow();
    }

    /**
     * Asks until the model writes a placeholder (it does at once for most of these questions; the seeds make the
     * run repeatable) and checks what the caller got: the profile's values, never braces, and the same text
     * stored as shown, while the stored content keeps the model's placeholders.
     */
    private static void placeholdersAreFilled(boolean stream) throws Exception {
        int withPlaceholders = 0;
        for (int i = 0; i < 8 && withPlaceholders < 2; i++) {
            Answer answer = v1(QUESTIONS.get(i % QUESTIONS.size()), 40 + i, stream);
            Message message = stored(answer.id());
            assertThat(answer.shown()).doesNotContain("{{").doesNotContain("}}").isEqualTo(message.shown());
            if (message.content().contains("{{")) {
                withPlaceholders++;
                assertThat(answer.shown()).isNotEqualTo(message.content());
                assertThat(PlaceholderFiller.fillAll(message.content(), new PlaceholderValues(
                        await(new ai.kaizen.db.company.CompanyProfileRepository(kaizen.sessions())
                                .current(), DATABASE).orElseThrow()))).isEqualTo(answer.shown());
                if (message.content().contains("{{Customer Support Phone Number}}")) {
                    assertThat(answer.shown()).contains(PHONE);
                }
                if (message.content().contains("{{Website Name}}")) {
                    assertThat(answer.shown()).contains(WEBSITE);
                }
                if (message.content().contains("{{Customer Support Availability}}")) {
                    assertThat(answer.shown()).contains(HOURS);
                }
            } else {
                assertThat(answer.shown()).isEqualTo(message.content());
            }
        }
        assertThat(withPlaceholders).as("answers written with placeholders").isEqualTo(2);
    }

    @Test
    @Order(4)
    void v1AnswersCarryTheProfilesValuesNeverPlaceholders() throws Exception {
        placeholdersAreFilled(false);
    }

    @Test
    @Order(5)
    void v1StreamedAnswersCarryTheProfilesValuesNeverPlaceholders() throws Exception {
        placeholdersAreFilled(true);
    }

    @Test
    @Order(6)
    void theChatPageStreamsAndShowsFilledAnswersAndTheDatasetKeepsThePlaceholders() throws Exception {
        TestClient customer = kaizen.client().openChat();
        String conversation = null;
        String answerId = null;
        TestClient.Stream stream = null;
        for (int i = 0; i < 8 && answerId == null; i++) {
            conversation = customer.json("POST", "/api/conversations", new JsonObject()).getString("id");
            stream = customer.stream("/api/conversations/" + conversation + "/messages",
                    new JsonObject().put("content", QUESTIONS.get(i % QUESTIONS.size())));
            assertThat(stream.status()).isEqualTo(200);
            String id = stream.first("start").data().getJsonArray("answers").getString(0);
            String streamed = stream.text(id);
            assertThat(streamed).doesNotContain("{{").doesNotContain("}}");
            assertThat(stream.first("done").data().getString("text")).isEqualTo(streamed);
            List<Message> messages = await(new ConversationRepository(kaizen.sessions())
                    .messages(UUID.fromString(conversation)), DATABASE);
            Message answer = messages.stream().filter(m -> m.id().toString().equals(id)).findFirst().orElseThrow();
            assertThat(answer.shown()).isEqualTo(streamed);
            if (answer.content().contains("{{")) {
                answerId = id;
            }
        }
        assertThat(answerId).as("an answer written with placeholders").isNotNull();
        String shown = stream.text(answerId);

        // opened again, the page shows what was streamed
        JsonArray messages = new JsonObject(customer.get("/api/conversations/" + conversation).body())
                .getJsonArray("messages");
        assertThat(messages.getJsonObject(1).getString("content")).isEqualTo(shown);

        // rated well, the answer becomes a training example with the model's placeholders, not the profile's values
        assertThat(customer.send("PUT", "/api/messages/" + answerId + "/rating",
                new JsonObject().put("stars", 5).encode()).statusCode()).isEqualTo(200);
        Dataset<SftExample> sft = await(new DatasetBuilder(kaizen.sessions())
                .buildSft(Instant.now(), new DatasetParameters(4, 1.0, 0, 0, true)), DATABASE);
        HttpResponse<String> export = otto.get("/api/console/datasets/" + sft.versionId() + "/export?split=train");
        assertThat(export.statusCode()).isEqualTo(200);
        String written = stored(answerId, conversation).content();
        List<String> completions = export.body().lines().map(JsonObject::new)
                .map(line -> line.getJsonArray("messages"))
                .map(m -> m.getJsonObject(m.size() - 1).getString("content")).toList();
        assertThat(completions).contains(written);
        assertThat(written).contains("{{").isNotEqualTo(shown);
    }

    private static Message stored(String answerId, String conversation) throws Exception {
        return await(new ConversationRepository(kaizen.sessions())
                .messages(UUID.fromString(conversation)), DATABASE).stream()
                .filter(m -> m.id().toString().equals(answerId)).findFirst().orElseThrow();
    }
}
