package ai.kaizen.db.review;

import ai.kaizen.db.EmbeddedDatabaseTest;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.RatingChange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The review queue's rules against the real (embedded) PostgreSQL. Each test uses its own task kind's tasks made
 * fresh, and reviewers named after the test, so tests do not see each other's work; queue order is checked on
 * tasks all created by one test.
 */
class ReviewQueueTest extends EmbeddedDatabaseTest {

    static ConversationRepository conversations;
    static ReviewRepository reviews;

    @BeforeAll
    static void repositories() {
        conversations = new ConversationRepository(db.sessions());
        reviews = new ReviewRepository(db.sessions());
    }

    /** A conversation with one question and one answer; returns {question, answer}. */
    static Message[] exchange(String question, String answer) throws Exception {
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:t", "t", "")));
        Message q = Message.written(c.id(), null, Message.Author.user, question);
        Message a = Message.answer(UUID.randomUUID(), c.id(), q.id(), answer,
                new Message.Generation("m@1", "{}", 3, 2, 10, 5, "stop"));
        await(conversations.append(c.id(), List.of(q, a), a.id()));
        return new Message[] {q, a};
    }

    /** A rank task on a new exchange, with one extra candidate stored with it. */
    static ReviewTask rankTask(ReviewTask.Priority priority, int overlap) throws Exception {
        Message[] qa = exchange("q", "a");
        Message extra = Message.answer(UUID.randomUUID(), qa[0].conversationId(), qa[0].id(), "b",
                new Message.Generation("m@1", "{\"seed\":7}", 3, 2, 10, 5, "stop"));
        return await(reviews.createTask(new ReviewTask(UUID.randomUUID(), ReviewTask.Kind.RANK, qa[0].id(),
                List.of(qa[1].id(), extra.id()), priority, overlap), List.of(extra)));
    }

    /** Takes and submits every task the reviewer is offered (a ranking in shown order); the task ids in order. */
    static List<UUID> drain(String reviewer) throws Exception {
        List<UUID> seen = new ArrayList<>();
        for (Optional<ReviewWork> w = await(reviews.next(reviewer, ReviewTask.Kind.RANK)); w.isPresent();
             w = await(reviews.next(reviewer, ReviewTask.Kind.RANK))) {
            seen.add(w.get().task().id());
            List<Ranking.Entry> entries = new ArrayList<>();
            List<UUID> ids = w.get().task().candidateIds();
            for (int i = 0; i < ids.size(); i++) {
                entries.add(new Ranking.Entry(ids.get(i), i + 1, false));
            }
            await(reviews.submitRanking(w.get().assignment().id(), reviewer, new Ranking(entries), Duration.ofMinutes(5)));
        }
        return seen;
    }

    @Test
    void overlapNoRepeatsAndPriorities() throws Exception {
        ReviewTask random = rankTask(ReviewTask.Priority.RANDOM, 2);
        ReviewTask disliked = rankTask(ReviewTask.Priority.DISLIKED, 2);
        ReviewTask uncertain = rankTask(ReviewTask.Priority.UNCERTAIN, 1);

        // ann sees disliked first, then uncertain, then random, each once
        assertThat(drain("user:ann")).containsExactly(disliked.id(), uncertain.id(), random.id());
        // uncertain wanted one reviewer and has it; the others want a second
        assertThat(drain("user:bob")).containsExactly(disliked.id(), random.id());
        // both places are taken now
        assertThat(drain("user:cid")).isEmpty();
        assertThat(await(reviews.openTasks(ReviewTask.Kind.RANK))).isZero();
        assertThat(await(reviews.submitted(ReviewTask.Kind.RANK))).filteredOn(w -> List.of(random.id(),
                disliked.id(), uncertain.id()).contains(w.task().id())).hasSize(5);
    }

    @Test
    void openWorkComesBackWithItsDraftAndSkipsGoElsewhere() throws Exception {
        ReviewTask task = rankTask(ReviewTask.Priority.DISLIKED, 1);
        ReviewWork first = await(reviews.next("user:dee", ReviewTask.Kind.RANK)).orElseThrow();
        await(reviews.saveDraft(first.assignment().id(), "user:dee", "{\"order\":[2,1]}"));
        // a reload: the same work, with the draft
        ReviewWork again = await(reviews.next("user:dee", ReviewTask.Kind.RANK)).orElseThrow();
        assertThat(again.assignment().id()).isEqualTo(first.assignment().id());
        assertThat(again.assignment().draft()).hasValueSatisfying(d -> assertThat(d).contains("\"order\""));
        // another reviewer cannot have it (overlap 1, dee holds it), nor touch dee's work
        assertThat(await(reviews.next("user:eve", ReviewTask.Kind.RANK)).map(w -> w.task().id()))
                .isNotEqualTo(Optional.of(task.id()));
        assertThatThrownBy(() -> await(reviews.skip(first.assignment().id(), "user:eve", "no")))
                .hasCauseInstanceOf(ReviewException.class).hasMessageContaining("no such review task");

        await(reviews.skip(first.assignment().id(), "user:dee", "not English"));
        // skipped: it frees the place for someone else, and dee never gets it again
        assertThat(drain("user:dee")).doesNotContain(task.id());
        assertThat(drain("user:fay")).contains(task.id());
        assertThatThrownBy(() -> await(reviews.skip(first.assignment().id(), "user:dee", "again")))
                .hasCauseInstanceOf(ReviewException.class);
    }

    @Test
    void submissionsAreCheckedAndEditableForAWhile() throws Exception {
        rankTask(ReviewTask.Priority.DISLIKED, 1);
        ReviewWork w = await(reviews.next("user:gus", ReviewTask.Kind.RANK)).orElseThrow();
        List<UUID> ids = w.task().candidateIds();
        long id = w.assignment().id();
        ExecutionException partial = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                await(reviews.submitRanking(id, "user:gus", new Ranking(List.of(new Ranking.Entry(ids.get(0), 1,
                        false))), Duration.ofMinutes(5))));
        assertThat(((ReviewException) partial.getCause()).status()).isEqualTo(400);

        Ranking tie = new Ranking(List.of(new Ranking.Entry(ids.get(0), 1, false), new Ranking.Entry(ids.get(1), 1, false)));
        ReviewWork done = await(reviews.submitRanking(id, "user:gus", tie, Duration.ofMinutes(5)));
        assertThat(done.assignment().seconds()).isPresent();
        // E: the last submission comes back, and a second submission replaces the first
        assertThat(await(reviews.lastEditable("user:gus", ReviewTask.Kind.RANK)).map(x -> x.assignment().id()))
                .contains(id);
        Ranking better = new Ranking(List.of(new Ranking.Entry(ids.get(1), 1, false), new Ranking.Entry(ids.get(0), 2, true)));
        await(reviews.submitRanking(id, "user:gus", better, Duration.ofMinutes(5)));
        assertThat(await(reviews.work(id, "user:gus")).assignment().ranking()).contains(better);

        // with no edit window, a change is refused
        rankTask(ReviewTask.Priority.DISLIKED, 1);
        ReviewWork w2 = await(reviews.next("user:gus", ReviewTask.Kind.RANK)).orElseThrow();
        List<UUID> ids2 = w2.task().candidateIds();
        Ranking r2 = new Ranking(List.of(new Ranking.Entry(ids2.get(0), 1, false), new Ranking.Entry(ids2.get(1), 2, false)));
        await(reviews.submitRanking(w2.assignment().id(), "user:gus", r2, Duration.ZERO));
        ExecutionException late = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                await(reviews.submitRanking(w2.assignment().id(), "user:gus", r2, Duration.ZERO)));
        assertThat(((ReviewException) late.getCause()).status()).isEqualTo(409);
    }

    @Test
    void promptsToReviewPutDislikedAnswersFirst() throws Exception {
        Message[] plain = exchange("plain", "fine");
        Message[] disliked = exchange("disliked", "bad");
        Message[] middling = exchange("middling", "meh");
        FeedbackRepository feedback = new FeedbackRepository(db.sessions());
        await(feedback.rate(disliked[1].id(), "session:x", new RatingChange(Optional.of(-1), Optional.empty(),
                Optional.empty(), Optional.empty())));
        await(feedback.rate(middling[1].id(), "session:x", new RatingChange(Optional.empty(), Optional.of(3),
                Optional.empty(), Optional.empty())));
        List<PromptToReview> prompts = await(reviews.promptsToReview(ReviewTask.Kind.IDEAL, 1000));
        assertThat(prompts.get(0).promptMessageId()).isEqualTo(disliked[0].id());
        assertThat(prompts.get(0).priority()).isEqualTo(ReviewTask.Priority.DISLIKED);
        assertThat(prompts.get(0).shownAnswerId()).isEqualTo(disliked[1].id());
        assertThat(prompts.get(1).promptMessageId()).isEqualTo(middling[0].id());
        assertThat(prompts.get(1).priority()).isEqualTo(ReviewTask.Priority.UNCERTAIN);
        assertThat(prompts).extracting(PromptToReview::promptMessageId).contains(plain[0].id());
    }

    @Test
    void labelsAreCheckedAndStored() throws Exception {
        Message[] qa = exchange("label me", "an answer");
        await(reviews.createTask(new ReviewTask(UUID.randomUUID(), ReviewTask.Kind.LABEL, qa[0].id(),
                List.of(qa[1].id()), ReviewTask.Priority.RANDOM, 1), List.of()));
        ReviewWork w = await(reviews.next("user:hal", ReviewTask.Kind.LABEL)).orElseThrow();
        assertThat(w.task().candidateIds()).containsExactly(qa[1].id());
        assertThatThrownBy(() -> Labels.fromJson(new io.vertx.core.json.JsonObject("{\"helpfulness\":4,\"tone\":3}")))
                .hasMessage("correctness must be rated 1 to 5");
        assertThatThrownBy(() -> Labels.fromJson(new io.vertx.core.json.JsonObject(
                "{\"helpfulness\":4,\"correctness\":6,\"tone\":3}"))).hasMessage("correctness must be rated 1 to 5");
        assertThatThrownBy(() -> Labels.fromJson(new io.vertx.core.json.JsonObject(
                "{\"helpfulness\":4,\"correctness\":5,\"tone\":3,\"flags\":[\"rude\"]}"))).hasMessageContaining("unknown flag");
        Labels labels = Labels.fromJson(new io.vertx.core.json.JsonObject(
                "{\"helpfulness\":2,\"correctness\":5,\"tone\":4,\"flags\":[\"unsafe\",\"personal_data\"]}"));
        await(reviews.submitLabels(w.assignment().id(), "user:hal", labels, Duration.ofMinutes(5)));
        Labels stored = await(reviews.work(w.assignment().id(), "user:hal")).assignment().labels().orElseThrow();
        assertThat(stored).isEqualTo(labels);
        assertThat(stored.scales()).containsEntry(Labels.Scale.HELPFULNESS, 2);
        assertThat(stored.flags()).containsExactlyInAnyOrder(Labels.Flag.UNSAFE, Labels.Flag.PERSONAL_DATA);
        // a ranking is refused on a label task
        ExecutionException wrong = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                await(reviews.submitRanking(w.assignment().id(), "user:hal", new Ranking(List.of(
                        new Ranking.Entry(qa[1].id(), 1, false))), Duration.ofMinutes(5))));
        assertThat(((ReviewException) wrong.getCause()).status()).isEqualTo(400);
    }
}
