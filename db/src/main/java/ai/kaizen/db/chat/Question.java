package ai.kaizen.db.chat;

import java.util.List;
import java.util.Optional;

/**
 * What a turn writes before its answers, in the same transaction as they: a conversation the turn starts
 * ({@code created}), a title for a conversation's first message, and the messages asked (none when answers are
 * regenerated for a stored question).
 */
public record Question(Optional<Conversation> created, Optional<String> title, List<Message> messages) {

    /** Answers to a question already stored. */
    public static Question stored() {
        return new Question(Optional.empty(), Optional.empty(), List.of());
    }

    /** {@code messages} asked in a conversation of their own, started now. */
    public static Question inNewConversation(Conversation created, List<Message> messages) {
        return new Question(Optional.of(created), Optional.empty(), List.copyOf(messages));
    }

    /** {@code message} asked in a stored conversation, which takes {@code title} when given. */
    public static Question asked(Message message, Optional<String> title) {
        return new Question(Optional.empty(), title, List.of(message));
    }
}
