package ai.kaizen.model.tokenizer;

import java.util.Objects;

/**
 * One turn of a conversation, as chat templates expect it.
 *
 * @param role {@code system}, {@code user} or {@code assistant} (templates may accept others)
 * @param content the text of the turn
 */
public record ChatMessage(String role, String content) {

    /** Rejects nulls. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** @param content text @return a system turn */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /** @param content text @return a user turn */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** @param content text @return an assistant turn */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
