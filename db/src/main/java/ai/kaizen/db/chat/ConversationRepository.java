package ai.kaizen.db.chat;

import org.hibernate.reactive.stage.Stage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Conversations and their messages. Every read is scoped to an owner: nobody sees another's conversation. */
public final class ConversationRepository {

    private final Stage.SessionFactory sessions;

    public ConversationRepository(Stage.SessionFactory sessions) {
        this.sessions = sessions;
    }

    public CompletionStage<Conversation> create(Conversation conversation) {
        return sessions.withTransaction(s -> s.persist(conversation)).thenApply(done -> conversation);
    }

    /** The owner's conversations, most recently active first. */
    public CompletionStage<List<Conversation>> list(String owner, int limit) {
        return sessions.withSession(s -> s
                .createSelectionQuery("from Conversation where owner = :owner order by updatedAt desc",
                        Conversation.class)
                .setParameter("owner", owner)
                .setMaxResults(limit)
                .getResultList());
    }

    /**
     * The owner's conversations whose title or any message holds {@code text} (case does not count), most recently
     * active first.
     */
    public CompletionStage<List<Conversation>> search(String owner, String text, int limit) {
        String pattern = "%" + text.toLowerCase(java.util.Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%")
                .replace("_", "\\_") + "%";
        return sessions.withSession(s -> s
                .createSelectionQuery("from Conversation c where c.owner = :owner and (lower(c.title) like :p escape '\\' "
                        + "or exists (select 1 from Message m where m.conversationId = c.id "
                        + "and lower(m.content) like :p escape '\\')) order by c.updatedAt desc", Conversation.class)
                .setParameter("owner", owner)
                .setParameter("p", pattern)
                .setMaxResults(limit)
                .getResultList());
    }

    /** Renames the owner's conversation; false when they have no such conversation. */
    public CompletionStage<Boolean> rename(UUID id, String owner, String title) {
        return sessions.withTransaction(s -> s.find(Conversation.class, id).thenApply(c -> {
            if (c == null || !c.owner().equals(owner)) {
                return false;
            }
            c.retitle(title);
            return true;
        }));
    }

    /**
     * Deletes the owner's conversation with its messages and what hangs on them (ratings, A/B choices, review
     * tasks: the schema cascades); false when they have no such conversation.
     */
    public CompletionStage<Boolean> delete(UUID id, String owner) {
        return sessions.withTransaction(s -> s.createNativeQuery(
                        "DELETE FROM conversation WHERE id = :id AND owner = :owner")
                .setParameter("id", id)
                .setParameter("owner", owner)
                .executeUpdate()
                .thenApply(deleted -> deleted > 0));
    }

    /** How many conversations {@code owner} has. */
    public CompletionStage<Long> count(String owner) {
        return sessions.withSession(s -> s
                .createSelectionQuery("select count(*) from Conversation where owner = :owner", Long.class)
                .setParameter("owner", owner)
                .getSingleResult());
    }

    /** The conversation, if it exists and belongs to {@code owner}. */
    public CompletionStage<Optional<Conversation>> find(UUID id, String owner) {
        return sessions.withSession(s -> s.find(Conversation.class, id))
                .thenApply(c -> Optional.ofNullable(c).filter(found -> found.owner().equals(owner)));
    }

    /** Every message of a conversation (all branches), oldest first. */
    public CompletionStage<List<Message>> messages(UUID conversationId) {
        return sessions.withSession(s -> messages(s, conversationId));
    }

    private static CompletionStage<List<Message>> messages(Stage.Session s, UUID conversationId) {
        return s.createSelectionQuery("from Message where conversationId = :id order by createdAt, id", Message.class)
                .setParameter("id", conversationId)
                .getResultList();
    }

    /** The side of each A/B pair of the conversation that does not continue it: B, or A when B was chosen. */
    private static final String PASSED_OVER = """
            SELECT CASE WHEN p.choice = 'b' THEN p.answer_a_id ELSE p.answer_b_id END
              FROM pairwise_comparison p JOIN message q ON q.id = p.prompt_message_id
             WHERE q.conversation_id = :id""";

    /**
     * Shows the branch through one of the user's messages or answers: the conversation's current message becomes
     * the leaf under it that the page shows ({@link MessageTree#leafUnder}), in one transaction. Empty, and
     * nothing changed, when the conversation is not {@code owner}'s or the message is not one of the user's in it.
     */
    public CompletionStage<Optional<UUID>> showBranchOf(UUID conversationId, String owner, UUID messageId) {
        return sessions.withTransaction(s -> s.find(Conversation.class, conversationId).thenCompose(conversation -> {
            if (conversation == null || !conversation.owner().equals(owner)) {
                return CompletableFuture.completedFuture(Optional.<UUID>empty());
            }
            return messages(s, conversationId).thenCompose(all -> {
                MessageTree tree = new MessageTree(all);
                if (tree.find(messageId).isEmpty()) {
                    return CompletableFuture.completedFuture(Optional.<UUID>empty());
                }
                return s.createNativeQuery(PASSED_OVER, UUID.class).setParameter("id", conversationId)
                        .getResultList()
                        .thenApply(passedOver -> {
                            UUID leaf = tree.leafUnder(messageId, Set.copyOf(passedOver));
                            conversation.moveTo(leaf);
                            return Optional.of(leaf);
                        });
            });
        }));
    }

    /** The message, if it exists and its conversation belongs to {@code owner}. */
    public CompletionStage<Optional<Message>> findMessage(UUID messageId, String owner) {
        return sessions.withSession(s -> s
                .createSelectionQuery("select m from Message m, Conversation c "
                        + "where m.id = :id and c.id = m.conversationId and c.owner = :owner", Message.class)
                .setParameter("id", messageId)
                .setParameter("owner", owner)
                .getResultList()
                .thenApply(found -> found.stream().findFirst()));
    }

    /**
     * Stores messages and makes {@code current} the conversation's visible leaf, in one transaction.
     */
    public CompletionStage<Void> append(UUID conversationId, List<Message> messages, UUID current) {
        return sessions.withTransaction(s -> s.find(Conversation.class, conversationId)
                .thenCompose(conversation -> {
                    if (conversation == null) {
                        throw new IllegalArgumentException("no conversation " + conversationId);
                    }
                    conversation.moveTo(current);
                    return s.persist(messages.toArray());
                }));
    }

    /** Moves the conversation's visible leaf (e.g. to the answer chosen in a pairwise comparison). */
    public CompletionStage<Void> moveTo(UUID conversationId, UUID messageId) {
        return sessions.withTransaction(s -> s.find(Conversation.class, conversationId)
                .thenAccept(conversation -> conversation.moveTo(messageId)));
    }

    /**
     * The branch that ends at {@code leaf}: its ancestors in order, from the first message to the leaf.
     * {@code all} holds the conversation's messages.
     */
    public static List<Message> branch(List<Message> all, UUID leaf) {
        Map<UUID, Message> byId = new HashMap<>();
        all.forEach(m -> byId.put(m.id(), m));
        List<Message> path = new ArrayList<>();
        for (Message m = leaf == null ? null : byId.get(leaf); m != null; m = m.parentId() == null ? null
                : byId.get(m.parentId())) {
            path.add(m);
            if (path.size() > all.size()) {
                throw new IllegalStateException("cycle in the messages of conversation " + m.conversationId());
            }
        }
        Collections.reverse(path);
        return path;
    }
}
