package ai.kaizen.server.chat;

import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.company.CompanyProfile;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.placeholder.CustomerValues;
import ai.kaizen.model.placeholder.PlaceholderFiller;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.company.PlaceholderValues;
import ai.kaizen.server.config.ConfigKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two-turn probe on the committed starter model, through real HTTP and the real database: the customer
 * gives an order number, then asks about "the order I mentioned". The model does not copy the number; it writes
 * {@code {{Order Number Anonymized}}} (or, in some samples, digits it made up, which no filling can mend), and the
 * server fills that placeholder with the number the customer gave, in {@code /v1/chat/completions} (whole and
 * streamed) and in the chat page's stream, while the stored content keeps the placeholder.
 */
class CustomerValuesIT {

    private static final String ORDER = "48213";
    private static final String FACT = "The order number is " + ORDER + ".";
    private static final String ACKNOWLEDGEMENT = "Thank you! I have noted your order number " + ORDER
            + ". How can I help you with this order?";
    private static final String REQUEST = "I want to cancel the order I mentioned";
    private static final String PLACEHOLDER = "{{Order Number Anonymized}}";
    /** Samples asked of each probe. */
    private static final int SEEDS = 3;

    /** The starter model keeps a busy machine's cores: a database call here may take up to a minute. */
    private static final Duration DATABASE = Duration.ofSeconds(60);

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.inRepository("models/starter").toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "60",
            ConfigKey.CHAT_TEMPERATURE, "0.3",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000"));

    static String key;

    @BeforeAll
    static void start() throws Exception {
        key = await(TestClient.accounts(kaizen.server()).createApiKey("tests"), DATABASE).key();
    }

    /** The stored answer and what the caller got of it. */
    private record Answer(Message stored, String shown) {
    }

    /** A /v1 answer to {@code messages}, whole or streamed, sampled with {@code seed}. */
    private static Answer v1(List<ChatMessage> messages, long seed, boolean stream) throws Exception {
        JsonArray turns = new JsonArray();
        messages.forEach(m -> turns.add(new JsonObject().put("role", m.role()).put("content", m.content())));
        JsonObject request = new JsonObject().put("model", "kaizen").put("seed", seed).put("temperature", 0.3)
                .put("stream", stream).put("messages", turns);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + kaizen.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.encode())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String id;
        String shown;
        if (stream) {
            StringBuilder text = new StringBuilder();
            String last = null;
            for (String line : r.body().split("\n")) {
                if (line.startsWith("data: {")) {
                    JsonObject chunk = new JsonObject(line.substring(6));
                    last = chunk.getString("id");
                    text.append(chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta")
                            .getString("content", ""));
                }
            }
            id = last;
            shown = text.toString();
        } else {
            JsonObject body = new JsonObject(r.body());
            id = body.getString("id");
            shown = body.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
        }
        Message stored = await(new ConversationRepository(kaizen.sessions())
                .findMessage(UUID.fromString(id.substring("chatcmpl-".length())), "apikey:1"), DATABASE).orElseThrow();
        assertThat(stored.shown()).isEqualTo(shown);
        return new Answer(stored, shown);
    }

    /**
     * Asks the probe with several seeds: the committed model names the order by its placeholder every time (its
     * training writes order numbers that way), and the customer sees the number they gave.
     */
    private static void theProbeIsAnsweredWithTheNumber(boolean stream) throws Exception {
        List<ChatMessage> probe = List.of(ChatMessage.user(FACT), ChatMessage.assistant(ACKNOWLEDGEMENT),
                ChatMessage.user(REQUEST));
        for (int seed = 1; seed <= SEEDS; seed++) {
            Answer answer = v1(probe, seed, stream);
            assertThat(answer.shown()).doesNotContain("{{").doesNotContain("}}");
            // what was shown is the model's text filled with the conversation's values
            assertThat(answer.shown()).isEqualTo(PlaceholderFiller.fillAll(answer.stored().content(),
                    CustomerValues.of(probe).before(new PlaceholderValues(CompanyProfile.NONE))));
            assertThat(answer.stored().content()).as("seed " + seed).contains(PLACEHOLDER);
            assertThat(answer.shown()).contains(ORDER);
        }
    }

    @Test
    void v1AnswersTheTwoTurnProbeWithTheNumberTheCustomerGave() throws Exception {
        theProbeIsAnsweredWithTheNumber(false);
    }

    @Test
    void v1StreamsTheTwoTurnProbeWithTheNumberTheCustomerGave() throws Exception {
        theProbeIsAnsweredWithTheNumber(true);
    }

    @Test
    void aNumberOnlyTheAssistantWroteIsNeverUsed() throws Exception {
        List<ChatMessage> conversation = List.of(ChatMessage.user("Hello, I need some help"),
                ChatMessage.assistant(ACKNOWLEDGEMENT), ChatMessage.user(REQUEST));
        int withPlaceholder = 0;
        for (int seed = 1; seed <= SEEDS; seed++) {
            Answer answer = v1(conversation, seed, false);
            // filled as if no value had been given: the assistant's words are not the customer's
            assertThat(answer.shown()).isEqualTo(PlaceholderFiller.fillAll(answer.stored().content(),
                    new PlaceholderValues(CompanyProfile.NONE)));
            if (answer.stored().content().contains(PLACEHOLDER)) {
                withPlaceholder++;
                assertThat(answer.shown()).contains("your order number");
            }
        }
        assertThat(withPlaceholder).as("answers written with " + PLACEHOLDER).isPositive();
    }

    @Test
    void theChatPageFillsTheNumberGivenInAnEarlierTurn() throws Exception {
        TestClient customer = kaizen.client().openChat();
        // the page samples without a seed; each conversation must show the number the customer gave
        for (int i = 0; i < SEEDS; i++) {
            String conversation = customer.json("POST", "/api/conversations", new JsonObject()).getString("id");
            String path = "/api/conversations/" + conversation + "/messages";
            assertThat(customer.stream(path, new JsonObject().put("content", FACT)).status()).isEqualTo(200);
            TestClient.Stream stream = customer.stream(path, new JsonObject().put("content", REQUEST));
            assertThat(stream.status()).isEqualTo(200);
            String id = stream.first("start").data().getJsonArray("answers").getString(0);
            String streamed = stream.text(id);
            assertThat(streamed).doesNotContain("{{").doesNotContain("}}");
            assertThat(stream.first("done").data().getString("text")).isEqualTo(streamed);
            Message answer = await(new ConversationRepository(kaizen.sessions())
                    .messages(UUID.fromString(conversation)), DATABASE).stream()
                    .filter(m -> m.id().toString().equals(id)).findFirst().orElseThrow();
            assertThat(answer.shown()).isEqualTo(streamed);
            assertThat(answer.content()).contains(PLACEHOLDER);
            assertThat(streamed).contains(ORDER);
            // opened again, the page shows the filled answer; the stored content keeps the placeholder
            JsonArray messages = new JsonObject(customer.get("/api/conversations/" + conversation).body())
                    .getJsonArray("messages");
            assertThat(messages.getJsonObject(messages.size() - 1).getString("content")).isEqualTo(streamed);
        }
    }
}
