package ai.kaizen.server.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the requests being served and, once draining, turns new ones away, so that a shutdown can let the
 * in-flight ones finish. Vert.x 4 has no graceful close of its own: closing the server drops open connections.
 * Mounted first on the router.
 */
public final class InFlightRequests implements Handler<RoutingContext> {

    private static final long POLL_MS = 25;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();

    @Override
    public void handle(RoutingContext ctx) {
        if (draining.get()) {
            ctx.response().putHeader("Connection", "close").putHeader("Retry-After", "5");
            ErrorResponses.send(ctx, 503, "the server is shutting down; retry shortly");
            return;
        }
        inFlight.incrementAndGet();
        // Runs once, when the response ends or the connection goes away.
        ctx.addEndHandler(done -> inFlight.decrementAndGet());
        ctx.next();
    }

    public int count() {
        return inFlight.get();
    }

    public boolean isDraining() {
        return draining.get();
    }

    /**
     * Stops accepting requests and completes when none is in flight, or when {@code grace} has passed, with whether
     * every request finished.
     */
    public Future<Boolean> drain(Vertx vertx, Duration grace) {
        draining.set(true);
        Promise<Boolean> drained = Promise.promise();
        long deadline = System.nanoTime() + grace.toNanos();
        poll(vertx, deadline, drained);
        return drained.future();
    }

    private void poll(Vertx vertx, long deadline, Promise<Boolean> drained) {
        if (inFlight.get() == 0) {
            drained.complete(true);
        } else if (System.nanoTime() >= deadline) {
            drained.complete(false);
        } else {
            vertx.setTimer(POLL_MS, id -> poll(vertx, deadline, drained));
        }
    }
}
