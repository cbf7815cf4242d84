package ai.kaizen.server.chat;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Sends an answer's {@code start} event only once its answers are stored, so that the ids it carries always name
 * stored answers; tokens the model writes before then are held and follow the start event in order. Called on the
 * request's context only.
 */
final class StartWhenStored {

    private record Token(UUID answerId, String text) {
    }

    private final ChatStream out;
    private List<Token> held = new ArrayList<>();

    StartWhenStored(ChatStream out) {
        this.out = out;
    }

    /** The answers are stored: sends {@code info} as the start event, then the tokens held so far. */
    void stored(JsonObject info) {
        out.start(info);
        held.forEach(token -> out.token(token.answerId(), token.text()));
        held = null;
    }

    void token(UUID answerId, String text) {
        if (held != null) {
            held.add(new Token(answerId, text));
        } else {
            out.token(answerId, text);
        }
    }
}
