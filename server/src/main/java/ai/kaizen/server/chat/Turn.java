package ai.kaizen.server.chat;

import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.chat.Question;
import ai.kaizen.db.feedback.PairwiseComparison;

import java.util.List;

/**
 * One question to answer: its conversation, the history ending with it, whether answers come in pairs (and why),
 * the caller's sampling overrides, what to do when it does not fit the model, and what is new (the question), stored
 * with the answers once the model has taken it.
 */
record Turn(Conversation conversation, Message question, List<Message> history,
            PairwiseComparison.Trigger pairwise, Overrides overrides, ContextWindow.Overflow overflow,
            Question asked) {

    /** How many answers the turn gets: two for a pair, else one. */
    int answers() {
        return pairwise == null ? 1 : 2;
    }
}
