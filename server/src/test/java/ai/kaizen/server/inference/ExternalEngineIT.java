package ai.kaizen.server.inference;

import ai.kaizen.db.account.Role;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.model.Fixtures;
import ai.kaizen.server.JarProcesses;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kaizen A serving through an external engine that is a second Kaizen, B: the packaged kaizen.jar run as a process of
 * its own, answering on its OpenAI-compatible {@code /v1/chat/completions}. Between them a relay in this JVM passes
 * every byte through and keeps a copy, so that the test sees what A asked B and what B streamed back.
 */
class ExternalEngineIT {

    @TempDir
    Path dir;

    private final JarProcesses processes = new JarProcesses();
    private final Vertx vertx = Vertx.vertx();

    /** One exchange through the relay: the request body A sent, and the bytes B answered. */
    record Exchange(JsonObject request, StringBuffer response) {
    }

    @AfterEach
    void stop() throws Exception {
        processes.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void chatsAPairsFeedbackAndHotSwapsGoThroughTheEngine() throws Exception {
        Path stories = Fixtures.stories260k();
        Path homeB = dir.resolve("engine");
        JarProcesses.Run engine = processes.start(homeB, Map.of("KAIZEN_MODEL_DIR", stories.toString(),
                "KAIZEN_LIMITS_MESSAGES_PER_MINUTE", "1000", "KAIZEN_CHAT_PAIRWISE_PROBABILITY", "0"),
                "serve", "--http-host", "127.0.0.1", "--http-port", "0");
        int enginePort = engine.awaitListening(Duration.ofMinutes(3));
        List<String> keyLines = processes.runToEnd(homeB, Map.of(), "admin", "create-api-key", "--name", "kaizen-a")
                .lines();
        String key = keyLines.stream().filter(l -> l.startsWith("kz-")).findFirst()
                .orElseThrow(() -> new AssertionError("no key printed: " + keyLines));

        List<Exchange> exchanges = new CopyOnWriteArrayList<>();
        HttpServer relay = relay(enginePort, exchanges);

        KaizenServer a = KaizenServer.start(KaizenConfig.defaults(dir.resolve("a")).with(Map.of(
                        ConfigKey.MODEL_DIR, stories.toString(),
                        ConfigKey.SERVING_ENGINE, "openai",
                        ConfigKey.SERVING_ENGINE_URL, "http://127.0.0.1:" + relay.actualPort(),
                        ConfigKey.SERVING_ENGINE_API_KEY, key,
                        ConfigKey.SERVING_ENGINE_MODEL, "stories-base",
                        ConfigKey.SERVING_ENGINE_TIMEOUT_SECONDS, "20",
                        ConfigKey.CHAT_MAX_NEW_TOKENS, "16",
                        ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
                        // reviewers' candidates would go to the engine too, at times this test cannot foresee
                        ConfigKey.REVIEW_BUFFER, "0",
                        ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000")))
                .toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
        try {
            ServingModel serving = a.model().orElseThrow();
            assertThat(serving.engine()).contains(new EngineModel("stories-base"));
            assertThat(serving.version()).startsWith("stories260k@");

            // A chat on A's page: the tokens it streams are the ones B streamed for the model A named.
            TestClient user = new TestClient(a.port()).openChat();
            String conversation = user.json("POST", "/api/conversations", new JsonObject()).getString("id");
            TestClient.Stream chat = user.stream("/api/conversations/" + conversation + "/messages",
                    new JsonObject().put("content", "Where is my parcel?"));
            String answer = chat.first("start").data().getJsonArray("answers").getString(0);
            assertThat(chat.named("error")).as(chat.body()).isEmpty();
            assertThat(exchanges).hasSize(1);
            JsonObject sent = exchanges.get(0).request();
            assertThat(sent.getString("model")).isEqualTo("stories-base");
            assertThat(sent.getBoolean("stream")).isTrue();
            assertThat(sent.getInteger("max_tokens")).isPositive().isLessThanOrEqualTo(16);
            JsonArray messages = sent.getJsonArray("messages");
            assertThat(messages.getJsonObject(messages.size() - 1).getString("content"))
                    .isEqualTo("Where is my parcel?");
            assertThat(messages.getJsonObject(0).getString("role")).isEqualTo("system");
            String streamedByB = contentOf(exchanges.get(0).response().toString());
            assertThat(streamedByB).isNotEmpty();
            assertThat(chat.named("token").size()).isGreaterThan(1);
            assertThat(chat.text(answer)).isEqualTo(streamedByB);
            JsonObject done = chat.first("done").data();
            assertThat(done.getString("text")).isEqualTo(streamedByB);
            assertThat(done.getString("model_version")).isEqualTo(serving.version());

            // The answer, and the user's rating of it, are stored in A.
            user.json("PUT", "/api/messages/" + answer + "/rating", new JsonObject().put("stars", 4));
            ConversationRepository conversationsA = new ConversationRepository(a.database().sessions());
            FeedbackRepository feedbackA = new FeedbackRepository(a.database().sessions());
            Message stored = conversationsA.messages(UUID.fromString(conversation)).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS).stream().filter(m -> m.id().toString().equals(answer)).findFirst()
                    .orElseThrow();
            assertThat(stored.content()).isEqualTo(streamedByB);
            assertThat(stored.modelVersion()).isEqualTo(serving.version());
            assertThat(stored.completionTokens()).isPositive();
            assertThat(feedbackA.ratings(UUID.fromString(answer)).toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .singleElement().satisfies(r -> assertThat(r.stars()).isEqualTo(4));

            // Regenerating gives an A/B pair: two streams from B, with their own seeds, stored as a comparison in A.
            TestClient.Stream pair = user.stream("/api/messages/" + answer + "/regenerate", new JsonObject());
            assertThat(pair.named("error")).as(pair.body()).isEmpty();
            JsonArray sides = pair.first("start").data().getJsonArray("answers");
            assertThat(sides).hasSize(2);
            assertThat(exchanges).hasSize(3);
            assertThat(exchanges.subList(1, 3)).extracting(e -> e.request().getLong("seed")).doesNotHaveDuplicates();
            assertThat(List.of(pair.text(sides.getString(0)), pair.text(sides.getString(1))))
                    .containsExactlyInAnyOrder(contentOf(exchanges.get(1).response().toString()),
                            contentOf(exchanges.get(2).response().toString()));
            String comparison = pair.first("start").data().getString("comparison_id");
            user.json("PUT", "/api/comparisons/" + comparison + "/choice", new JsonObject().put("choice", "a"));
            assertThat(feedbackA.comparisonsFor(stored.parentId()).toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .singleElement().satisfies(c -> assertThat(c.choice()).isPresent());

            // A hot swap on A: a promoted version the engine serves as a LoRA adapter of its own name.
            TestClient.accounts(a).createUser("olga", Role.OPERATOR, "operator password").toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            TestClient operator = TestClient.signedIn(a.port(), "olga", "operator password");
            JsonObject base = operator.json("GET", "/api/console/models", new JsonObject())
                    .getJsonArray("versions").getJsonObject(0);
            ModelRegistry registry = new ModelRegistry(a.database().sessions());
            ModelVersion adapter = registry.register(new ModelVersion("stories-support-adapter", base.getLong("id"),
                            null, null, base.getString("artifact_path"), base.getString("sha256"), "{}", "{}")
                            .servedBy("openai", "support-lora-1"))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            operator.json("POST", "/api/console/models/" + adapter.id() + "/promote",
                    new JsonObject().put("override_reason", "external engine test"));
            assertThat(a.model().orElseThrow().engine()).contains(new EngineModel("support-lora-1"));
            TestClient.Stream swapped = user.stream("/api/conversations/" + conversation + "/messages",
                    new JsonObject().put("content", "And when will it arrive?"));
            assertThat(swapped.named("error")).as(swapped.body()).isEmpty();
            assertThat(exchanges).hasSize(4);
            assertThat(exchanges.get(3).request().getString("model")).isEqualTo("support-lora-1");
            assertThat(swapped.first("done").data().getString("model_version")).isEqualTo("stories-support-adapter");

            // Renaming the serving version's engine model swaps at once, without a promotion.
            JsonObject renamed = operator.json("PUT", "/api/console/models/" + adapter.id() + "/engine",
                    new JsonObject().put("engine", "openai").put("engine_model", "support-lora-2"));
            assertThat(renamed.getString("engine_model")).isEqualTo("support-lora-2");
            assertThat(operator.send("PUT", "/api/console/models/" + adapter.id() + "/engine",
                    new JsonObject().put("engine", "vllm").encode()).statusCode()).isEqualTo(400);
            user.stream("/api/conversations/" + conversation + "/messages",
                    new JsonObject().put("content", "Thanks!"));
            assertThat(exchanges).hasSize(5);
            assertThat(exchanges.get(4).request().getString("model")).isEqualTo("support-lora-2");

            // The engine gone: the chat says 503.
            engine.process().destroyForcibly();
            assertThat(engine.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            TestClient.Stream refused = user.stream("/api/conversations/" + conversation + "/messages",
                    new JsonObject().put("content", "Hello?"));
            assertThat(refused.first("error").data().getInteger("status")).isEqualTo(503);
            assertThat(refused.first("error").data().getString("error")).contains("serving engine");
        } finally {
            a.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    /** The text of the content deltas in an OpenAI event stream. */
    private static String contentOf(String sse) {
        StringBuilder text = new StringBuilder();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonArray choices = new JsonObject(line.substring(6)).getJsonArray("choices");
                if (choices != null && !choices.isEmpty()) {
                    JsonObject delta = choices.getJsonObject(0).getJsonObject("delta");
                    if (delta != null && delta.getString("content") != null) {
                        text.append(delta.getString("content"));
                    }
                }
            }
        }
        return text.toString();
    }

    /** Passes requests to B unchanged, streaming its answers back as they come, and keeps a copy of both. */
    private HttpServer relay(int enginePort, List<Exchange> exchanges) throws Exception {
        HttpClient client = vertx.createHttpClient();
        return vertx.createHttpServer().requestHandler(in -> in.body().onSuccess(body -> {
            Exchange exchange = new Exchange(new JsonObject(body), new StringBuffer());
            exchanges.add(exchange);
            RequestOptions options = new RequestOptions().setMethod(in.method()).setHost("127.0.0.1")
                    .setPort(enginePort).setURI(in.uri());
            options.putHeader("Authorization", in.getHeader("Authorization"));
            options.putHeader("Content-Type", in.getHeader("Content-Type"));
            client.request(options).compose(out -> out.send(body)).onSuccess(answer -> {
                in.response().setStatusCode(answer.statusCode()).setChunked(true);
                answer.headers().forEach((name, value) -> {
                    if (name.equalsIgnoreCase("Content-Type")) {
                        in.response().putHeader(name, value);
                    }
                });
                answer.handler(chunk -> {
                    exchange.response().append(chunk.toString(StandardCharsets.UTF_8));
                    in.response().write(chunk);
                });
                answer.endHandler(v -> in.response().end());
                in.connection().closeHandler(v -> answer.request().reset());
            }).onFailure(e -> in.response().setStatusCode(502).end(Buffer.buffer(String.valueOf(e.getMessage()))));
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
