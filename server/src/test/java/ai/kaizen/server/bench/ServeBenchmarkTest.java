package ai.kaizen.server.bench;

import ai.kaizen.model.Fixtures;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
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

    @Test
    void aTargetWithoutAKeyIsSentNoCredentials() {
        assertThatThrownBy(() -> new ServeBenchmark().run(List.of(new ServeBenchmark.Target("nokey", base, null)),
                new ServeBenchmark.Settings(List.of(1), 1, 4, 1)))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IOException.class)
                .rootCause().hasMessageContaining("nokey answered 401");
    }
}
