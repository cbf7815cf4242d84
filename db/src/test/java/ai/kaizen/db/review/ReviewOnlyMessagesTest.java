package ai.kaizen.db.review;

import ai.kaizen.db.EmbeddedDatabaseTest;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The answers written for reviewers are marked review-only (never one of the user's branches): the ideal answers
 * reviewers submit, and, in data stored before the mark existed, what migration V17 recognises.
 */
class ReviewOnlyMessagesTest extends EmbeddedDatabaseTest {

    private final ConversationRepository conversations = new ConversationRepository(db.sessions());
    private final ReviewRepository reviews = new ReviewRepository(db.sessions());

    private static Message answer(Message question, String text) throws InterruptedException {
        Thread.sleep(2); // strictly newer than what came before
        return Message.answer(UUID.randomUUID(), question.conversationId(), question.id(), text,
                new Message.Generation("m@1", "{}", 3, 2, 10, 5, "stop"));
    }

    private Map<UUID, Boolean> reviewOnly(UUID conversation) throws Exception {
        return await(conversations.messages(conversation)).stream()
                .collect(Collectors.toMap(Message::id, Message::reviewOnly));
    }

    @Test
    void idealAnswersAreMarkedAndTheMigrationMarksWhatWasStoredBefore() throws Exception {
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:o", "t", "")));
        Message question = Message.written(c.id(), null, Message.Author.user, "Where is my order?");
        Message shown = answer(question, "It ships today.");
        Message regenerated = answer(question, "It left the warehouse.");
        await(conversations.append(c.id(), List.of(question, shown, regenerated), shown.id()));
        // candidates as the review worker stored them before the mark existed: newer than the answer the user saw
        Message first = answer(question, "candidate 1");
        Message second = answer(question, "candidate 2");
        await(reviews.createTask(new ReviewTask(UUID.randomUUID(), ReviewTask.Kind.RANK, question.id(),
                List.of(first.id(), shown.id(), second.id()), ReviewTask.Priority.RANDOM, 1), List.of(first, second)));
        await(reviews.createTask(new ReviewTask(UUID.randomUUID(), ReviewTask.Kind.LABEL, question.id(),
                List.of(shown.id()), ReviewTask.Priority.RANDOM, 1), List.of()));
        await(reviews.createTask(new ReviewTask(UUID.randomUUID(), ReviewTask.Kind.IDEAL, question.id(),
                List.of(shown.id()), ReviewTask.Priority.RANDOM, 1), List.of()));
        ReviewWork work = await(reviews.next("user:ida", ReviewTask.Kind.IDEAL)).orElseThrow();
        UUID ideal = await(reviews.submitIdealAnswer(work.assignment().id(), "user:ida", "Your parcel ships today.",
                Duration.ofMinutes(5))).assignment().idealMessageId().orElseThrow();

        assertThat(reviewOnly(c.id())).containsEntry(ideal, true).containsEntry(shown.id(), false)
                .containsEntry(first.id(), false); // stored without the mark, as before V17

        await(db.sessions().withTransaction(s -> s.createNativeQuery("UPDATE message SET review_only = false")
                .executeUpdate()));
        for (String update : migrationUpdates()) {
            await(db.sessions().withTransaction(s -> s.createNativeQuery(update).executeUpdate()));
        }
        assertThat(reviewOnly(c.id())).containsExactlyInAnyOrderEntriesOf(Map.of(
                question.id(), false, shown.id(), false, regenerated.id(), false,
                first.id(), true, second.id(), true, ideal, true));
    }

    /** The UPDATE statements of V17, which mark the data stored before it. */
    private static List<String> migrationUpdates() throws Exception {
        try (InputStream in = ReviewOnlyMessagesTest.class.getResourceAsStream(
                "/db/migration/V17__review_only_messages.sql")) {
            String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.startsWith("--")).collect(Collectors.joining("\n"));
            return Arrays.stream(sql.split(";")).map(String::strip).filter(s -> s.startsWith("UPDATE")).toList();
        }
    }
}
