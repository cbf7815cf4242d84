package ai.kaizen.server.bench;

import ai.kaizen.model.Fixtures;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The serving benchmark against a real server over real HTTP: each target measured at each concurrency, the prompt
 * sizes the server reports, the ratios of the first target to a peer, and no credentials sent where none are given.
 */
class ServeBenchmarkTest {

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.LIMITS_REQUESTS_PER_MINUTE, "1000000",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "100000"));

    static String base;
    static String key;

    @BeforeAll
    static void key() throws Exception {
        base = "http://127.0.0.1:" + kaizen.port();
        key = await(TestClient.accounts(kaizen.server()).createApiKey("bench")).key();
    }

    @Test
    void measuresEveryTargetAtEveryConcurrencyAndComparesThemToTheFirst() throws Exception {
        JsonObject report = new ServeBenchmark().run(List.of(new ServeBenchmark.Target("kaizen", base, key),
                        new ServeBenchmark.Target("peer", base, key)),
                new ServeBenchmark.Settings(List.of(1, 2), 1, 8, 1));

        for (String target : List.of("kaizen", "peer")) {
            JsonArray rows = report.getJsonObject("targets").getJsonArray(target);
            assertThat(rows).as(report.encodePrettily()).hasSize(3);
            for (int i = 0; i < 2; i++) {
                JsonObject row = rows.getJsonObject(i);
                assertThat(row.getInteger("concurrency")).isEqualTo(i + 1);
                assertThat(row.getDouble("aggregate_tokens_per_s")).isPositive();
                assertThat(row.getDouble("ttft_ms_p95")).isGreaterThanOrEqualTo(row.getDouble("ttft_ms_p50"));
                JsonObject run = row.getJsonArray("runs").getJsonObject(0);
                assertThat(run.getInteger("streams")).isEqualTo(i + 1);
                assertThat(run.getLong("tokens")).isBetween(1L, 8L * (i + 1));
                assertThat(run.getDouble("mean_prompt_tokens")).as("usage.prompt_tokens").isPositive();
            }
            assertThat(rows.getJsonObject(2).containsKey("scaling_2_vs_1")).isTrue();
        }
        JsonObject ratios = report.getJsonObject("ratios").getJsonObject("kaizen_vs_peer");
        assertThat(ratios.fieldNames()).containsExactlyInAnyOrder("1", "2");
        assertThat(ratios.getJsonObject("2").getDouble("tokens_per_s")).isPositive();
    }

    /**
     * A peer given no key gets no Authorization header, and one whose stream reports no usage is counted by its
     * content chunks: a minimal OpenAI-style streaming server (the JDK's) records what it was sent.
     */
    @Test
    void aPeerWithoutAKeyIsSentNoCredentialsAndCountedByItsChunks() throws Exception {
        List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
        HttpServer peer = HttpServer.create(
                new InetSocketAddress("127.0.0.1", 0), 0);
        peer.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            byte[] body = ("data: {\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}\n\n"
                    + "data: {\"choices\":[{\"delta\":{\"content\":\" there\"}}]}\n\n"
                    + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        peer.start();
        try {
            JsonObject report = new ServeBenchmark().run(List.of(new ServeBenchmark.Target("peer",
                            "http://127.0.0.1:" + peer.getAddress().getPort(), null)),
                    new ServeBenchmark.Settings(List.of(2), 1, 4, 1));
            JsonObject run = report.getJsonObject("targets").getJsonArray("peer").getJsonObject(0)
                    .getJsonArray("runs").getJsonObject(0);
            assertThat(run.getLong("tokens")).isEqualTo(4); // two streams, two content chunks each
            assertThat(run.getDouble("mean_prompt_tokens")).isZero();
            assertThat(authorizations).hasSize(4).containsOnly("null"); // the warm-up's two, then the run's
        } finally {
            peer.stop(0);
        }

        // and a Kaizen refuses such a request
        assertThatThrownBy(() -> new ServeBenchmark().run(List.of(new ServeBenchmark.Target("nokey", base, null)),
                new ServeBenchmark.Settings(List.of(1), 1, 4, 1)))
                .isInstanceOf(ExecutionException.class)
                .rootCause().hasMessageContaining("nokey answered 401");
    }
}
