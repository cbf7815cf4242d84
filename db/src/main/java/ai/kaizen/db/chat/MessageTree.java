package ai.kaizen.db.chat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A conversation's messages as the user's tree of branches: edited versions of a question and the answers to one
 * question (regenerated, both sides of an A/B pair) are siblings. Answers written for reviewers only
 * ({@link Message#reviewOnly()}) are left out: the user never saw them.
 */
public final class MessageTree {

    private static final Comparator<Message> OLDEST_FIRST = Comparator.comparing(Message::createdAt)
            .thenComparing(Message::id);

    private final Map<UUID, Message> byId = new HashMap<>();
    private final Map<UUID, List<Message>> children = new HashMap<>();
    private final List<Message> roots = new ArrayList<>();

    /** @param all the conversation's messages (every branch), in any order */
    public MessageTree(List<Message> all) {
        all.stream().filter(m -> !m.reviewOnly()).sorted(OLDEST_FIRST).forEach(m -> {
            byId.put(m.id(), m);
            (m.parentId() == null ? roots : children.computeIfAbsent(m.parentId(), p -> new ArrayList<>())).add(m);
        });
    }

    /** The user's message or answer with this id; empty for an unknown id and for a reviewer's answer. */
    public Optional<Message> find(UUID id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The message and its siblings (the other children of its parent), oldest first. */
    public List<Message> siblings(Message message) {
        return message.parentId() == null ? roots : children.getOrDefault(message.parentId(), List.of(message));
    }

    /**
     * The leaf the page shows when the user picks {@code from}: the newest of the leaves under it (itself when it
     * has none), so that the branch continues where the user last wrote. {@code passedOver} are the answers of A/B
     * pairs that do not continue them (B, or A when B was chosen): both sides of a pair are leaves of one moment,
     * and the one that continues is the one to land on, unless the user picked the other itself.
     */
    public UUID leafUnder(UUID from, Set<UUID> passedOver) {
        Message start = byId.get(from);
        if (start == null) {
            throw new IllegalArgumentException("no message " + from + " in this tree");
        }
        Message newest = null;
        List<Message> todo = new ArrayList<>(List.of(start));
        for (int seen = 0; !todo.isEmpty(); seen++) {
            if (seen > byId.size()) {
                throw new IllegalStateException("cycle in the messages of conversation " + start.conversationId());
            }
            Message m = todo.remove(todo.size() - 1);
            List<Message> below = children.getOrDefault(m.id(), List.of());
            if (!below.isEmpty()) {
                todo.addAll(below);
            } else if ((m == start || !passedOver.contains(m.id()))
                    && (newest == null || OLDEST_FIRST.compare(m, newest) > 0)) {
                newest = m;
            }
        }
        return newest == null ? from : newest.id();
    }
}
