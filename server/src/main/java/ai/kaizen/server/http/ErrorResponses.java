package ai.kaizen.server.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Errors as people and programs see them: a JSON body {@code {"error": "..."}} with the status, never a stack
 * trace. Server-side failures are logged here with their cause.
 */
public final class ErrorResponses {

    private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

    private ErrorResponses() {
    }

    /** Ends the response with {@code status} and {@code message}. */
    public static void send(RoutingContext ctx, int status, String message) {
        HttpServerResponse response = ctx.response();
        if (response.ended()) {
            return;
        }
        if (response.headWritten()) {
            // Streaming already began: the status cannot change any more, so cut the response short.
            response.reset();
            return;
        }
        response.setStatusCode(status)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .end(new JsonObject().put("error", message).encode());
    }

    /** The router's failure handler: maps a failed context to an error response. */
    public static void handleFailure(RoutingContext ctx) {
        int status = statusOf(ctx);
        send(ctx, status, messageFor(status, ctx.failure()));
    }

    /**
     * The status a failed context answers with, logged once when it is the server's fault: 503 with
     * {@code Retry-After} while the database is away (a warning without a stack trace: the request was fine), 500
     * for anything else unexpected (an error with its cause).
     */
    public static int statusOf(RoutingContext ctx) {
        int status = ctx.failure() instanceof HttpError error ? error.status()
                : ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        if (status == 500 && DatabaseUnavailable.is(ctx.failure())) {
            ctx.response().putHeader("Retry-After", Integer.toString(DatabaseUnavailable.RETRY_AFTER_SECONDS));
            log.warn("{} {} answered 503: the database is unavailable ({})", ctx.request().method(),
                    ctx.request().path(), String.valueOf(ctx.failure()));
            return 503;
        }
        if (status >= 500) {
            log.error("{} {} failed with {}", ctx.request().method(), ctx.request().path(), status, ctx.failure());
        }
        return status;
    }

    private static String messageFor(int status, Throwable failure) {
        if (failure instanceof HttpError error) {
            return error.getMessage();
        }
        return switch (status) {
            case 400 -> "bad request";
            case 401 -> "sign in first";
            case 403 -> "not allowed";
            case 404 -> "not found";
            case 405 -> "method not allowed";
            case 413 -> "request too large";
            case 415 -> "unsupported media type";
            case 429 -> "too many requests";
            case 503 -> DatabaseUnavailable.is(failure) ? "the database is unavailable; try again in a few seconds"
                    : "service unavailable";
            default -> status >= 500 ? "internal error; it has been logged" : "request failed";
        };
    }
}
