package ai.kaizen.trainer.dataset;

import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.Rating;
import ai.kaizen.db.review.ReviewAssignment;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.db.review.ReviewWork;
import ai.kaizen.model.tokenizer.ChatMessage;
import org.hibernate.reactive.stage.Stage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * The feedback as it stood at a cut-off, read once: ratings last changed at or before it, comparisons decided at or
 * before it, and every message written by then in the conversations they concern. {@link FeedbackSource}s read
 * examples out of it without going back to the database.
 *
 * <p>An answer its model did not finish ({@link Message#interrupted()}: cut off by a crash or a failure, or still
 * being written) is no complete answer: the snapshot keeps it as part of its conversation (it is what the user saw
 * before their next message) but holds no feedback on it, neither its ratings nor the comparisons it is in, and it is
 * no answer of its prompt ({@link #answersTo}). {@link #interruptedAnswers()} counts those left out.
 */
public final class FeedbackSnapshot {

    /** PostgreSQL takes at most 32767 parameters in a statement; lists of ids are sent in chunks of this size. */
    private static final int CHUNK = 1000;

    private final List<Rating> ratings;
    private final List<PairwiseComparison> comparisons;
    private final Map<UUID, Message> messages = new HashMap<>();
    private final Map<UUID, List<Message>> byConversation = new HashMap<>();
    private final Map<UUID, List<Message>> answersByParent = new HashMap<>();
    private final Map<UUID, Conversation> conversations = new HashMap<>();
    private final Map<UUID, List<Rating>> ratingsByAnswer = new TreeMap<>();
    private final List<ReviewWork> reviews;
    private final int interruptedAnswers;

    FeedbackSnapshot(List<Rating> ratings, List<PairwiseComparison> comparisons, List<Message> messages,
                     List<Conversation> conversations) {
        this(ratings, comparisons, List.of(), messages, conversations);
    }

    FeedbackSnapshot(List<Rating> ratings, List<PairwiseComparison> comparisons, List<ReviewWork> reviews,
                     List<Message> messages, List<Conversation> conversations) {
        this.reviews = reviews.stream().sorted(Comparator.comparing(w -> w.assignment().id())).toList();
        Set<UUID> interrupted = messages.stream().filter(Message::interrupted).map(Message::id)
                .collect(Collectors.toSet());
        this.interruptedAnswers = interrupted.size();
        this.ratings = ratings.stream().filter(r -> !interrupted.contains(r.messageId()))
                .sorted(Comparator.comparing(Rating::id)).toList();
        this.comparisons = comparisons.stream()
                .filter(c -> !interrupted.contains(c.answerAId()) && !interrupted.contains(c.answerBId()))
                .sorted(Comparator.comparing(PairwiseComparison::id)).toList();
        for (Message m : messages) {
            this.messages.put(m.id(), m);
            byConversation.computeIfAbsent(m.conversationId(), id -> new ArrayList<>()).add(m);
            if (m.role() == Message.Author.assistant && m.parentId() != null && !m.interrupted()) {
                answersByParent.computeIfAbsent(m.parentId(), id -> new ArrayList<>()).add(m);
            }
        }
        answersByParent.values().forEach(list -> list.sort(Comparator.comparing(Message::id)));
        conversations.forEach(c -> this.conversations.put(c.id(), c));
        // a rating of an answer the snapshot does not hold (written after the cut-off) is no rating
        for (Rating r : this.ratings) {
            if (this.messages.containsKey(r.messageId())) {
                ratingsByAnswer.computeIfAbsent(r.messageId(), id -> new ArrayList<>()).add(r);
            }
        }
    }

    /** Reads the feedback as it stood at {@code cutOff}; the queries run one after the other in one session. */
    public static CompletionStage<FeedbackSnapshot> load(Stage.SessionFactory sessions, Instant cutOff) {
        return sessions.withSession(s -> s
                .createSelectionQuery("from Rating where updatedAt <= :cut order by id", Rating.class)
                .setParameter("cut", cutOff)
                .getResultList()
                .thenCompose(ratings -> s.createSelectionQuery("from PairwiseComparison where choice is not null "
                                + "and decidedAt <= :cut order by id", PairwiseComparison.class)
                        .setParameter("cut", cutOff)
                        .getResultList()
                        .thenCompose(comparisons -> reviews(s, cutOff)
                        .thenCompose(reviews -> s.createSelectionQuery("from Message m where m.createdAt <= :cut "
                                        + "and m.conversationId in (select x.conversationId from Message x where "
                                        + "x.id in (select r.messageId from Rating r where r.updatedAt <= :cut) "
                                        + "or x.id in (select c.answerAId from PairwiseComparison c where c.decidedAt <= :cut) "
                                        + "or x.id in (select c.answerBId from PairwiseComparison c where c.decidedAt <= :cut) "
                                        + "or x.id in (select t.promptMessageId from ReviewTask t, ReviewAssignment a "
                                        + "where a.taskId = t.id and a.status = 'submitted' and a.updatedAt <= :cut)) "
                                        + "order by m.createdAt, m.id", Message.class)
                                .setParameter("cut", cutOff)
                                .getResultList()
                                .thenCompose(messages -> conversations(s, messages)
                                        .thenApply(conversations -> new FeedbackSnapshot(ratings, comparisons,
                                                reviews, messages, conversations)))))));
    }

    /** Reviewers' submitted work last changed at or before the cut-off, with its tasks. */
    private static CompletionStage<List<ReviewWork>> reviews(Stage.Session s, Instant cutOff) {
        return s.createSelectionQuery("select a, t from ReviewAssignment a, ReviewTask t where t.id = a.taskId "
                        + "and a.status = 'submitted' and a.updatedAt <= :cut order by a.id", Object[].class)
                .setParameter("cut", cutOff)
                .getResultList()
                .thenApply(rows -> rows.stream()
                        .map(r -> new ReviewWork((ReviewTask) r[1], (ReviewAssignment) r[0])).toList());
    }

    /**
     * Reads the conversations holding the given messages, whole, and no feedback: what rebuilding a recorded
     * version needs.
     */
    public static CompletionStage<FeedbackSnapshot> loadConversationsOf(Stage.SessionFactory sessions,
                                                                         Collection<UUID> messageIds) {
        List<List<UUID>> chunks = chunks(new TreeSet<>(messageIds));
        return sessions.withSession(s -> {
            List<Message> all = new ArrayList<>();
            CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
            for (List<UUID> chunk : chunks) {
                chain = chain.thenCompose(done -> s.createSelectionQuery("from Message m where m.conversationId in "
                                + "(select x.conversationId from Message x where x.id in (:ids)) order by m.createdAt, m.id",
                                Message.class)
                        .setParameter("ids", chunk)
                        .getResultList()
                        .thenAccept(all::addAll));
            }
            return chain.thenCompose(done -> {
                // chunks may share a conversation
                List<Message> distinct = new ArrayList<>(all.stream()
                        .collect(Collectors.toMap(Message::id, m -> m, (a, b) -> a, LinkedHashMap::new)).values());
                return conversations(s, distinct)
                        .thenApply(conversations -> new FeedbackSnapshot(List.of(), List.of(), distinct, conversations));
            });
        });
    }

    private static CompletionStage<List<Conversation>> conversations(Stage.Session s, List<Message> messages) {
        Set<UUID> ids = messages.stream().map(Message::conversationId).collect(Collectors.toCollection(TreeSet::new));
        List<Conversation> found = new ArrayList<>();
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (List<UUID> chunk : chunks(ids)) {
            chain = chain.thenCompose(done -> s.createSelectionQuery("from Conversation where id in (:ids)",
                            Conversation.class)
                    .setParameter("ids", chunk)
                    .getResultList()
                    .thenAccept(found::addAll));
        }
        return chain.thenApply(done -> found);
    }

    private static List<List<UUID>> chunks(Collection<UUID> ids) {
        List<UUID> list = List.copyOf(ids);
        List<List<UUID>> chunks = new ArrayList<>();
        for (int i = 0; i < list.size(); i += CHUNK) {
            chunks.add(list.subList(i, Math.min(list.size(), i + CHUNK)));
        }
        return chunks;
    }

    /** How many answers the snapshot holds that their model did not finish: no feedback on them is used. */
    public int interruptedAnswers() {
        return interruptedAnswers;
    }

    /** Ratings, by id. */
    public List<Rating> ratings() {
        return ratings;
    }

    /** Decided comparisons, by id. */
    public List<PairwiseComparison> comparisons() {
        return comparisons;
    }

    /** Reviewers' submitted rankings and ideal answers, in assignment id order. */
    public List<ReviewWork> reviews() {
        return reviews;
    }

    /** Rated answers (held by the snapshot) and their ratings by id; the answers in id order. */
    public Map<UUID, List<Rating>> ratingsByAnswer() {
        return ratingsByAnswer;
    }

    /** The ratings of one answer, by id (empty when none). */
    public List<Rating> ratingsOf(UUID answerId) {
        return ratingsByAnswer.getOrDefault(answerId, List.of());
    }

    public boolean contains(UUID messageId) {
        return messages.containsKey(messageId);
    }

    /** The message; fails, naming it, when the snapshot does not hold it (deleted, or written after the cut-off). */
    public Message message(UUID id) {
        Message m = messages.get(id);
        if (m == null) {
            throw new NoSuchElementException("message " + id + " is not in the snapshot (deleted or too recent)");
        }
        return m;
    }

    /** The assistant answers whose parent is {@code promptMessageId}, by id. */
    public List<Message> answersTo(UUID promptMessageId) {
        return answersByParent.getOrDefault(promptMessageId, List.of());
    }

    /** Every prompt message with at least one answer, in id order. */
    public Set<UUID> answeredPrompts() {
        return new TreeSet<>(answersByParent.keySet());
    }

    /**
     * The prompt that {@code promptMessageId} ends: the conversation's system prompt (when not blank) followed by the
     * branch from the first message down to it.
     */
    public List<ChatMessage> promptEndingAt(UUID promptMessageId) {
        Message last = message(promptMessageId);
        List<ChatMessage> prompt = new ArrayList<>();
        Conversation c = conversations.get(last.conversationId());
        if (c != null && !c.systemPrompt().isBlank()) {
            prompt.add(ChatMessage.system(c.systemPrompt()));
        }
        for (Message m : ConversationRepository.branch(byConversation.get(last.conversationId()), promptMessageId)) {
            prompt.add(new ChatMessage(m.role().name(), m.content()));
        }
        return prompt;
    }

    /** The prompt an answer answers: {@link #promptEndingAt} its parent. */
    public List<ChatMessage> promptOf(UUID answerId) {
        UUID parent = message(answerId).parentId();
        return parent == null ? List.of() : promptEndingAt(parent);
    }
}
