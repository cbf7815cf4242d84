package ai.kaizen.server.chat;

import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.PairwiseComparison;
import io.vertx.core.Future;

import java.util.List;
import java.util.function.Supplier;

/**
 * One question to answer: its conversation, the history ending with it, whether answers come in pairs (and why),
 * the caller's sampling overrides, what to do when it does not fit the model, and how to store what is new (the
 * question) once the model has taken it.
 */
record Turn(Conversation conversation, Message question, List<Message> history,
            PairwiseComparison.Trigger pairwise, Overrides overrides, ContextWindow.Overflow overflow,
            Supplier<Future<Void>> save) {

    /** How many answers the turn gets: two for a pair, else one. */
    int answers() {
        return pairwise == null ? 1 : 2;
    }
}
