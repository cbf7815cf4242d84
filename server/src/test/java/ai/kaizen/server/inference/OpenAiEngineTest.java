package ai.kaizen.server.inference;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.generation.FinishReason;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.config.ServingSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine client's side of the protocol, against an HTTP server in this JVM that answers as an engine would in
 * the cases a real one seldom shows on demand: events cut anywhere by the network, an error status, an error event,
 * silence, a client that stops reading, too many streams. (A real engine, another Kaizen, is {@link ExternalEngineIT}.)
 */
class OpenAiEngineTest {

    private Vertx vertx;
    private HttpServer server;
    private volatile Consumer<HttpServerRequest> engine;
    private final List<JsonObject> requests = new CopyOnWriteArrayList<>();
    private ServingModel model;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            requests.add(new JsonObject(body));
            engine.accept(request);
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        model = ServingModel.external(Fixtures.stories260k(), "stories@test", new EngineModel("support-lora"));
    }

    @AfterEach
    void stop() throws Exception {
        model.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private OpenAiEngine client(int timeoutSeconds, int streams) {
        return new OpenAiEngine(vertx, new ServingSettings(ServingSettings.Engine.OPENAI,
                Optional.of(java.net.URI.create("http://127.0.0.1:" + server.actualPort())), "secret",
                Optional.empty(), Duration.ofSeconds(timeoutSeconds), streams,
                ai.kaizen.model.llama.ModelOptions.DEFAULT));
    }

    private Inference.Request request(int answers, List<String> tokens, AtomicBoolean cancelled) {
        GenerationOptions options = GenerationOptions.builder().maxNewTokens(20).doSample(true).temperature(0.7)
                .topP(0.9).topK(40).repetitionPenalty(1.1).seed(100L).stopStrings(List.of("\nUser:")).build();
        return new Inference.Request(model, java.util.Collections.nCopies(answers, new int[] {1, 2, 3}), options,
                token -> {
                    tokens.add(token.sequence() + ":" + token.text());
                    return true;
                }, cancelled::get, Inference.Priority.CHAT,
                List.of(ChatMessage.system("Be brief."), ChatMessage.user("Where is my parcel?")));
    }

    private static String chunk(String content, String finish) {
        return "data: " + new JsonObject().put("object", "chat.completion.chunk").put("choices",
                new io.vertx.core.json.JsonArray().add(new JsonObject().put("index", 0)
                        .put("delta", content == null ? new JsonObject() : new JsonObject().put("content", content))
                        .put("finish_reason", finish))).encode() + "\n\n";
    }

    @Test
    void streamsEachAnswerAsTheEngineSendsItEvenCutMidEvent() throws Exception {
        engine = request -> {
            String events = ": keep-alive\n\n" + chunk("It ", null) + chunk("ships ", null) + chunk("today.", null)
                    + chunk(null, "stop") + "data: [DONE]\n\n";
            request.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
            // written in pieces of 7 bytes: events and even UTF-8 arrive cut anywhere
            for (int i = 0; i < events.length(); i += 7) {
                request.response().write(events.substring(i, Math.min(events.length(), i + 7)));
            }
            request.response().end();
        };
        List<String> tokens = new CopyOnWriteArrayList<>();
        List<GenerationResult> results = client(10, 8).generate(request(2, tokens, new AtomicBoolean()))
                .get(10, TimeUnit.SECONDS);

        assertThat(results).extracting(GenerationResult::text).containsExactly("It ships today.", "It ships today.");
        assertThat(results).extracting(GenerationResult::finishReason).containsOnly(FinishReason.EOS);
        assertThat(results.get(0).tokenIds()).isNotEmpty();
        assertThat(tokens).contains("0:It ", "0:ships ", "0:today.", "1:It ", "1:ships ", "1:today.");
        assertThat(requests).hasSize(2);
        assertThat(requests).extracting(r -> r.getLong("seed")).containsExactlyInAnyOrder(100L, 101L);
        JsonObject sent = requests.get(0);
        assertThat(sent.getString("model")).isEqualTo("support-lora");
        assertThat(sent.getBoolean("stream")).isTrue();
        assertThat(sent.getInteger("max_tokens")).isEqualTo(20);
        assertThat(sent.getDouble("top_p")).isEqualTo(0.9);
        assertThat(sent.getInteger("top_k")).isEqualTo(40);
        assertThat(sent.getJsonArray("stop").getList()).containsExactly("\nUser:");
        assertThat(sent.getJsonArray("messages").getJsonObject(1).getString("content")).isEqualTo("Where is my parcel?");
    }

    @Test
    void anErrorStatusAnErrorEventAndSilenceFailWithTheEnginesReason() {
        engine = request -> request.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", new JsonObject().put("message",
                        "The model `support-lora` does not exist.")).encode());
        assertThatThrownBy(() -> client(10, 8).generate(request(1, new CopyOnWriteArrayList<>(), new AtomicBoolean()))
                .get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(Inference.Unavailable.class)
                .hasMessageContaining("answered 404").hasMessageContaining("does not exist");

        engine = request -> request.response().setChunked(true).write(chunk("Hel", null))
                .compose(v -> request.response().end("data: {\"error\": {\"message\": \"CUDA out of memory\"}}\n\n"));
        assertThatThrownBy(() -> client(10, 8).generate(request(1, new CopyOnWriteArrayList<>(), new AtomicBoolean()))
                .get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(Inference.Unavailable.class).hasMessageContaining("CUDA out of memory");

        engine = request -> request.response().setChunked(true).write(chunk("Hel", null)); // then nothing
        assertThatThrownBy(() -> client(1, 8).generate(request(1, new CopyOnWriteArrayList<>(), new AtomicBoolean()))
                .get(20, TimeUnit.SECONDS))
                .cause().isInstanceOf(Inference.Unavailable.class);
    }

    @Test
    void aCancelledAnswerResetsItsStreamAndEndsCancelled() throws Exception {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        engine = request -> {
            request.connection().closeHandler(v -> closed.complete(null));
            request.response().setChunked(true).write(chunk("Once", null));
            vertx.setPeriodic(50, id -> {
                if (!request.response().closed()) {
                    request.response().write(chunk(" more", null));
                }
            });
        };
        AtomicBoolean cancelled = new AtomicBoolean();
        List<String> tokens = new CopyOnWriteArrayList<>();
        CompletableFuture<List<GenerationResult>> answer = client(10, 8).generate(request(1, tokens, cancelled));
        while (tokens.size() < 3) {
            Thread.sleep(20);
        }
        cancelled.set(true);
        GenerationResult result = answer.get(10, TimeUnit.SECONDS).get(0);
        assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(result.text()).startsWith("Once more");
        closed.get(10, TimeUnit.SECONDS); // the engine saw the stream go
    }

    @Test
    void refusesAnswersBeyondItsStreamsAndAnEngineItCannotReach() throws Exception {
        engine = request -> { }; // never answers
        OpenAiEngine engineClient = client(10, 2);
        CompletableFuture<List<GenerationResult>> pair = engineClient.generate(request(2, new CopyOnWriteArrayList<>(),
                new AtomicBoolean()));
        assertThat(engineClient.hasRoom()).isFalse();
        assertThat(engineClient.generate(request(1, new CopyOnWriteArrayList<>(), new AtomicBoolean())))
                .isCompletedExceptionally();
        assertThat(pair).isNotDone();

        OpenAiEngine nowhere = new OpenAiEngine(vertx, ServingSettings.of(Map.of(
                ai.kaizen.server.config.ConfigKey.SERVING_ENGINE, "openai",
                ai.kaizen.server.config.ConfigKey.SERVING_ENGINE_URL, "http://127.0.0.1:1")));
        assertThatThrownBy(() -> nowhere.generate(request(1, new CopyOnWriteArrayList<>(), new AtomicBoolean()))
                .get(20, TimeUnit.SECONDS))
                .cause().isInstanceOf(Inference.Unavailable.class).hasMessageContaining("cannot reach");
    }
}
