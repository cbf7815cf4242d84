package ai.kaizen.server.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests are counted by the pattern of the route that answered them, never by their path. */
class HttpMetricsTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void seriesAreNamedByTheRoutesPattern() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Router router = Router.router(vertx);
        router.route().handler(new HttpMetrics(registry));
        router.put("/api/messages/:id/rating").handler(ctx -> ctx.response().end("ok"));
        router.route().last().handler(ctx -> ctx.response().setStatusCode(404).end());
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        HttpClient http = HttpClient.newHttpClient();
        for (String id : new String[]{"a1", "b2"}) {
            http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort()
                    + "/api/messages/" + id + "/rating")).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/nowhere/x1"))
                .build(), HttpResponse.BodyHandlers.ofString());

        // the end handler runs after the response is written; give it a moment
        for (int i = 0; i < 100 && registry.find("kaizen.http.requests").timers().size() < 2; i++) {
            Thread.sleep(20);
        }
        assertThat(registry.get("kaizen.http.requests").tag("route", "/api/messages/:id/rating")
                .tag("status", "200").tag("method", "PUT").timer().count()).isEqualTo(2);
        assertThat(registry.get("kaizen.http.requests").tag("status", "404").timer().getId().getTag("route"))
                .isEqualTo("unmatched");
    }
}
