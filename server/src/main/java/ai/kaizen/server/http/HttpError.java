package ai.kaizen.server.http;

import io.vertx.ext.web.RoutingContext;

/**
 * A failure meant for the client: its HTTP status and a message the client reads, e.g.
 * {@code ctx.fail(new HttpError(404, "no such conversation"))} or {@code HttpError.fail(ctx, 400, "...")}. The
 * router's failure handler answers it with that status ({@link ErrorResponses}).
 */
public final class HttpError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public HttpError(int status, String message) {
        super(message, null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
        this.status = status;
    }

    /** The HTTP status the client gets. */
    public int status() {
        return status;
    }

    /** Fails {@code ctx} with {@code status} and a message the client will read. */
    public static void fail(RoutingContext ctx, int status, String message) {
        ctx.fail(status, new HttpError(status, message));
    }
}
