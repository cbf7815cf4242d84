package ai.kaizen.server.chat;

import io.vertx.core.json.JsonObject;

import java.util.UUID;

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

    /** Whether the client went away; generation stops at the next token. */
    boolean isCancelled();
}
