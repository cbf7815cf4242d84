package ai.kaizen.server.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Graceful shutdown's first half: in-flight requests finish, new ones are turned away. */
class InFlightRequestsTest {

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() throws Exception {
        await(vertx.close());
    }

    private HttpServer serve(InFlightRequests inFlight, CountDownLatch slowStarted, long slowMs) throws Exception {
        Router router = Router.router(vertx);
        router.route().handler(inFlight);
        router.get("/slow").handler(ctx -> {
            slowStarted.countDown();
            vertx.setTimer(slowMs, id -> ctx.response().end("done"));
        });
        router.get("/fast").handler(ctx -> ctx.response().end("fast"));
        return await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    }

    private CompletableFuture<HttpResponse<String>> send(HttpServer server, String path) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void drainingLetsInFlightRequestsFinishAndTurnsNewOnesAway() throws Exception {
        InFlightRequests inFlight = new InFlightRequests();
        CountDownLatch slowStarted = new CountDownLatch(1);
        HttpServer server = serve(inFlight, slowStarted, 800);

        CompletableFuture<HttpResponse<String>> slow = send(server, "/slow");
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(inFlight.count()).isEqualTo(1);

        Future<Boolean> drained = inFlight.drain(vertx, Duration.ofSeconds(10));
        HttpResponse<String> refused = send(server, "/fast").get(10, TimeUnit.SECONDS);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("shutting down");

        assertThat(slow.get(10, TimeUnit.SECONDS).body()).isEqualTo("done");
        assertThat(await(drained)).isTrue();
        assertThat(inFlight.count()).isZero();
    }

    @Test
    void drainingGivesUpAfterTheGracePeriod() throws Exception {
        InFlightRequests inFlight = new InFlightRequests();
        CountDownLatch slowStarted = new CountDownLatch(1);
        HttpServer server = serve(inFlight, slowStarted, 5_000);
        send(server, "/slow");
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        assertThat(await(inFlight.drain(vertx, Duration.ofMillis(200)))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
}
