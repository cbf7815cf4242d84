package ai.kaizen.server.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.Optional;

/**
 * Text that PostgreSQL can store. Its {@code text} and {@code jsonb} types hold every Unicode character except NUL:
 * a NUL fails the statement (22021 for text, 22P05 for jsonb), which would surface as a 500. A lone UTF-16
 * surrogate (JSON's {@code "\ud800"}) is no character at all; the driver would store it as {@code ?} without a
 * word. Requests carrying either are refused at the edge with a 400 instead.
 */
public final class StorableText {

    private StorableText() {
    }

    /** Why {@code text} cannot be stored, or empty when it can. */
    public static Optional<String> problem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return Optional.of("text must not contain the NUL character (\\u0000)");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of("text must be valid Unicode: it holds a lone surrogate (\\u"
                        + Integer.toHexString(c) + ")");
            }
        }
        return Optional.empty();
    }

    /** The first problem of any string in a decoded JSON value, keys and nested values included. */
    public static Optional<String> problemIn(Object json) {
        if (json instanceof String text) {
            return problem(text);
        }
        if (json instanceof JsonObject object) {
            for (Map.Entry<String, Object> entry : object) {
                Optional<String> found = problem(entry.getKey()).or(() -> problemIn(entry.getValue()));
                if (found.isPresent()) {
                    return found;
                }
            }
        } else if (json instanceof JsonArray array) {
            for (Object item : array) {
                Optional<String> found = problemIn(item);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }
}
