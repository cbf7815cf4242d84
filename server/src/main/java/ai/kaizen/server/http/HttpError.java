package ai.kaizen.server.http;

import io.vertx.ext.web.RoutingContext;

/**
 * A failure whose message is meant for the client, e.g. {@code ctx.fail(400, new HttpError("message is empty"))}
 * or {@code HttpError.fail(ctx, 400, "...")}.
 */
public final class HttpError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public HttpError(String message) {
        super(message, null, false, false);
    }

    /** Fails {@code ctx} with {@code status} and a message the client will read. */
    public static void fail(RoutingContext ctx, int status, String message) {
        ctx.fail(status, new HttpError(message));
    }
}
