package ai.kaizen.server.chat;

import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.inference.Inference;
import io.vertx.core.json.JsonObject;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.concurrent.CompletionException;

/**
 * Where an answer in the making goes (the chat page's event stream, or the OpenAI-compatible API). Called on the
 * request's Vert.x context, in order: {@link #start}, then {@link #token}s, then one {@link #done} per answer and
 * {@link #end}; or {@link #error} instead of what remains.
 */
public interface ChatStream {

    void start(JsonObject info);

    void token(UUID answerId, String text);

    void done(UUID answerId, JsonObject info);

    void end();

    void error(int status, String message);

    /**
     * The request cannot fit the model's context window (sent instead of {@link #start}); a 413 unless the protocol
     * has its own way of saying so.
     */
    default void contextTooLong(String message) {
        error(413, message);
    }

    /**
     * Ends the stream for {@code e}: an {@link HttpError} with its status, a full queue with 503, anything else
     * (logged) with 500.
     */
    default void fail(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof HttpError error) {
            error(error.status(), error.getMessage());
        } else if (cause instanceof Inference.Saturated || cause instanceof Inference.Unavailable) {
            error(503, cause.getMessage());
        } else {
            LoggerFactory.getLogger(ChatStream.class).error("chat failed", cause);
            error(500, "the answer failed; it has been logged");
        }
    }

    /** Whether the client went away; generation stops at the next token. */
    boolean isCancelled();
}
