package ai.kaizen.db;

import ai.kaizen.db.account.ApiKey;
import ai.kaizen.db.account.ApiKeyRepository;
import ai.kaizen.db.account.Role;
import ai.kaizen.db.account.SessionRepository;
import ai.kaizen.db.account.UserRepository;
import ai.kaizen.db.account.WebSession;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.Rating;
import ai.kaizen.db.feedback.RatingChange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The repositories against the real (embedded) PostgreSQL. */
class RepositoriesTest extends EmbeddedDatabaseTest {


    private static Message.Generation generation(String finish) {
        return new Message.Generation("stories260k@abc", "{\"temperature\":0.7}", 12, 5, 40, 8, finish);
    }

    @Test
    void usersAreUniqueByNameWhateverTheCase() throws Exception {
        UserRepository users = new UserRepository(db.sessions());
        var alice = await(users.create("Alice", Role.REVIEWER, "hash"));
        assertThat(alice.id()).isNotNull();
        assertThatThrownBy(() -> await(users.create("alice", Role.OPERATOR, "hash")))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .hasStackTraceContaining("already exists");
        assertThat(await(users.findByName("ALICE"))).hasValueSatisfying(u -> assertThat(u.role())
                .isEqualTo(Role.REVIEWER));
    }

    @Test
    void sessionsExpire() throws Exception {
        SessionRepository sessions = new SessionRepository(db.sessions());
        Instant now = Instant.now();
        await(sessions.create(new WebSession("a".repeat(64), null, "csrf", now.plusSeconds(60))));
        await(sessions.create(new WebSession("b".repeat(64), null, "csrf", now.minusSeconds(1))));
        assertThat(await(sessions.findLive("a".repeat(64), now))).isPresent();
        assertThat(await(sessions.findLive("b".repeat(64), now))).isEmpty();
        assertThat(await(sessions.deleteExpired(now))).isGreaterThanOrEqualTo(1);
        await(sessions.touch("a".repeat(64), now, now.plus(Duration.ofDays(1))));
        assertThat(await(sessions.findLive("a".repeat(64), now.plus(Duration.ofHours(2))))).isPresent();
    }

    @Test
    void apiKeysAreFoundByHashUntilRevoked() throws Exception {
        ApiKeyRepository keys = new ApiKeyRepository(db.sessions());
        ApiKey created = await(keys.create("ci", "kz_1234", "f".repeat(64)));
        Instant used = Instant.parse("2030-01-01T00:00:00Z");
        await(keys.recordUse(created.id(), used));
        await(keys.recordUse(created.id(), used.minusSeconds(60))); // an older use never moves the time back
        assertThat(await(keys.findActive("f".repeat(64)))).hasValueSatisfying(k -> {
            assertThat(k.name()).isEqualTo("ci");
            assertThat(k.lastUsedAt()).isEqualTo(used);
        });
        assertThat(await(keys.findActive("e".repeat(64)))).isEmpty();
        assertThat(await(keys.revoke(created.id()))).isTrue();
        assertThat(await(keys.findActive("f".repeat(64)))).isEmpty();
    }

    @Test
    void conversationsKeepTheirBranchesAndAreScopedToTheirOwner() throws Exception {
        ConversationRepository conversations = new ConversationRepository(db.sessions());
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:x", "Refund",
                "You help customers.")));
        Message question = Message.written(c.id(), null, Message.Author.user, "Where is my order?");
        Message first = Message.answer(UUID.randomUUID(), c.id(), question.id(), "It ships today.",
                generation("stop"));
        await(conversations.append(c.id(), List.of(question, first), first.id()));
        Message second = Message.answer(UUID.randomUUID(), c.id(), question.id(), "Let me check.",
                generation("length"));
        await(conversations.append(c.id(), List.of(second), second.id()));

        List<Message> all = await(conversations.messages(c.id()));
        assertThat(all).hasSize(3);
        Conversation reloaded = await(conversations.find(c.id(), "session:x")).orElseThrow();
        assertThat(ConversationRepository.branch(all, reloaded.currentMessageId()))
                .extracting(Message::content).containsExactly("Where is my order?", "Let me check.");
        Message stored = all.stream().filter(m -> m.id().equals(second.id())).findFirst().orElseThrow();
        assertThat(stored.modelVersion()).isEqualTo("stories260k@abc");
        assertThat(stored.sampling()).contains("temperature");
        assertThat(stored.finishReason()).isEqualTo("length");
        assertThat(stored.firstTokenMs()).isEqualTo(8);

        assertThat(await(conversations.find(c.id(), "session:other"))).isEmpty();
        assertThat(await(conversations.findMessage(first.id(), "session:other"))).isEmpty();
        assertThat(await(conversations.findMessage(first.id(), "session:x"))).isPresent();
        assertThat(await(conversations.list("session:x", 10))).extracting(Conversation::id).contains(c.id());
    }

    @Test
    void changingOnesMindUpdatesTheRatingAndNeverDuplicatesIt() throws Exception {
        ConversationRepository conversations = new ConversationRepository(db.sessions());
        FeedbackRepository feedback = new FeedbackRepository(db.sessions());
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:r", "", "")));
        Message q = Message.written(c.id(), null, Message.Author.user, "hi");
        Message a = Message.answer(UUID.randomUUID(), c.id(), q.id(), "hello", generation("stop"));
        await(conversations.append(c.id(), List.of(q, a), a.id()));

        await(feedback.rate(a.id(), "session:r", new RatingChange(Optional.of(-1), Optional.empty(),
                Optional.of(List.of("incorrect", "too long")), Optional.of("wrong order number"))));
        await(feedback.rate(a.id(), "session:r", new RatingChange(Optional.empty(), Optional.of(2),
                Optional.empty(), Optional.empty())));
        // Many changes at once from the same rater still leave one row.
        List<CompletableFuture<Rating>> concurrent = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            concurrent.add(feedback.rate(a.id(), "session:r", new RatingChange(Optional.empty(), Optional.of(i),
                    Optional.empty(), Optional.empty())).toCompletableFuture());
        }
        CompletableFuture.allOf(concurrent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        await(feedback.rate(a.id(), "session:other", new RatingChange(Optional.of(1), Optional.empty(),
                Optional.empty(), Optional.empty())));

        List<Rating> ratings = await(feedback.ratings(a.id()));
        assertThat(ratings).hasSize(2);
        Rating mine = ratings.stream().filter(r -> r.rater().equals("session:r")).findFirst().orElseThrow();
        assertThat(mine.thumbs()).isEqualTo(-1);
        assertThat(mine.stars()).isBetween(1, 5);
        assertThat(mine.reasons()).containsExactly("incorrect", "too long");
        assertThat(mine.comment()).isEqualTo("wrong order number");

        await(feedback.rate(a.id(), "session:r", new RatingChange(Optional.of(0), Optional.empty(),
                Optional.of(List.of()), Optional.of(" "))));
        Rating cleared = await(feedback.ratingsBy("session:r", List.of(a.id()))).get(0);
        assertThat(cleared.thumbs()).isNull();
        assertThat(cleared.reasons()).isEmpty();
        assertThat(cleared.comment()).isNull();
    }

    @Test
    void pairwiseChoicesAreStoredWithBothAnswers() throws Exception {
        ConversationRepository conversations = new ConversationRepository(db.sessions());
        FeedbackRepository feedback = new FeedbackRepository(db.sessions());
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:p", "", "")));
        Message q = Message.written(c.id(), null, Message.Author.user, "cancel my order");
        Message a = Message.answer(UUID.randomUUID(), c.id(), q.id(), "Done.", generation("stop"));
        Message b = Message.answer(UUID.randomUUID(), c.id(), q.id(), "Which order?", generation("stop"));
        await(conversations.append(c.id(), List.of(q, a, b), a.id()));
        PairwiseComparison shown = await(feedback.createComparison(new PairwiseComparison(UUID.randomUUID(), q.id(),
                a.id(), b.id(), "session:p", PairwiseComparison.Trigger.sampled)));
        assertThat(await(feedback.findComparison(shown.id(), "session:q"))).isEmpty();
        PairwiseComparison decided = await(feedback.decide(shown.id(), PairwiseComparison.Choice.B));
        assertThat(decided.continuingAnswer()).isEqualTo(b.id());
        PairwiseComparison reloaded = await(feedback.findComparison(shown.id(), "session:p")).orElseThrow();
        assertThat(reloaded.choice()).contains(PairwiseComparison.Choice.B);
        assertThat(reloaded.decidedAt()).isNotNull();
    }

    @Test
    void apiFeedbackIsAllOrNothingAndRemembersItsIdempotencyKey() throws Exception {
        ConversationRepository conversations = new ConversationRepository(db.sessions());
        FeedbackRepository feedback = new FeedbackRepository(db.sessions());
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "apikey:7", "", "")));
        Message q = Message.written(c.id(), null, Message.Author.user, "where is my parcel?");
        Message a = Message.answer(UUID.randomUUID(), c.id(), q.id(), "On its way.", generation("stop"));
        Message b = Message.answer(UUID.randomUUID(), c.id(), q.id(), "Which parcel?", generation("stop"));
        await(conversations.append(c.id(), List.of(q, a, b), a.id()));
        RatingChange thumbsUp = new RatingChange(Optional.of(1), Optional.empty(), Optional.empty(), Optional.empty());
        FeedbackRepository.ApiFeedback request = new FeedbackRepository.ApiFeedback("apikey:7", a.id(),
                Optional.of(thumbsUp), Optional.of(b.id()), Optional.of(PairwiseComparison.Choice.A),
                Optional.of("k1"), "sha-1");

        // another caller's answer: refused, and neither its key nor anything else is kept
        FeedbackRepository.Outcome refused = await(feedback.submit(new FeedbackRepository.ApiFeedback("apikey:8",
                a.id(), Optional.of(thumbsUp), Optional.empty(), Optional.empty(), Optional.of("k1"), "sha-1"),
                written -> "{}"));
        assertThat(refused).isEqualTo(new FeedbackRepository.Outcome.NotFound(a.id()));
        assertThat(await(feedback.ratings(a.id()))).isEmpty();

        FeedbackRepository.Outcome stored = await(feedback.submit(request,
                written -> "{\"comparison\": \"" + written.comparisonId().orElseThrow() + "\"}"));
        assertThat(stored).isInstanceOf(FeedbackRepository.Outcome.Stored.class);
        FeedbackRepository.Outcome replayed = await(feedback.submit(request, written -> "{}"));
        assertThat(replayed).isInstanceOf(FeedbackRepository.Outcome.Replayed.class);
        assertThat(new io.vertx.core.json.JsonObject(((FeedbackRepository.Outcome.Replayed) replayed).response()))
                .isEqualTo(new io.vertx.core.json.JsonObject(((FeedbackRepository.Outcome.Stored) stored).response()));
        assertThat(await(feedback.submit(new FeedbackRepository.ApiFeedback("apikey:7", a.id(),
                Optional.of(thumbsUp), Optional.empty(), Optional.empty(), Optional.of("k1"), "sha-2"),
                written -> "{}"))).isEqualTo(new FeedbackRepository.Outcome.KeyReused());
        assertThat(await(feedback.comparisonsFor(q.id()))).hasSize(1);
        assertThat(await(feedback.ratings(a.id()))).singleElement().satisfies(r -> assertThat(r.thumbs()).isEqualTo(1));

        // the connection a refused request used is as good as new
        Conversation next = await(conversations.create(new Conversation(UUID.randomUUID(), "apikey:7", "", "")));
        await(conversations.append(next.id(), List.of(Message.written(next.id(), null, Message.Author.user, "hi")),
                null));
    }

    /** With digests: answers stored now. Without: answers stored before digests, whose prompts are walked up. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aChoiceAloneIsStoredOnlyBetweenTheCallersAnswersToTheSamePrompt(boolean digests) throws Exception {
        ConversationRepository conversations = new ConversationRepository(db.sessions());
        FeedbackRepository feedback = new FeedbackRepository(db.sessions());
        String owner = "apikey:9";
        Message[] first = askedAndAnswered(conversations, owner, digests, List.of(), "where is my parcel?",
                "On its way.", "Which parcel?");
        Message q = first[0];
        Message a = first[1];
        Message b = first[2];
        Message again = askedAndAnswered(conversations, owner, digests, List.of(), "where is my parcel?",
                "In Lyon.")[1];
        Message otherQuestion = askedAndAnswered(conversations, owner, digests, List.of(), "cancel it",
                "Cancelled.")[1];
        Message otherHistory = askedAndAnswered(conversations, owner, digests,
                List.of("hello", "Hello! How can I help?"), "where is my parcel?", "On its way.")[1];
        Message someoneElses = askedAndAnswered(conversations, "apikey:10", digests, List.of(),
                "where is my parcel?", "On its way.")[1];

        assertThat(await(feedback.submit(choice(owner, a.id(), b.id(), PairwiseComparison.Choice.B),
                written -> written.comparisonId().orElseThrow().toString())))
                .isInstanceOf(FeedbackRepository.Outcome.Stored.class);
        // another conversation, the same prompt word for word
        assertThat(await(feedback.submit(choice(owner, a.id(), again.id(), PairwiseComparison.Choice.A),
                written -> "{}"))).isInstanceOf(FeedbackRepository.Outcome.Stored.class);

        assertThat(await(feedback.submit(choice(owner, a.id(), otherQuestion.id(), PairwiseComparison.Choice.A),
                written -> "{}"))).isEqualTo(new FeedbackRepository.Outcome.DifferentPrompts());
        assertThat(await(feedback.submit(choice(owner, a.id(), otherHistory.id(), PairwiseComparison.Choice.A),
                written -> "{}"))).isEqualTo(new FeedbackRepository.Outcome.DifferentPrompts());
        assertThat(await(feedback.submit(choice(owner, a.id(), someoneElses.id(), PairwiseComparison.Choice.A),
                written -> "{}"))).isEqualTo(new FeedbackRepository.Outcome.NotFound(someoneElses.id()));
        assertThat(await(feedback.submit(choice(owner, someoneElses.id(), a.id(), PairwiseComparison.Choice.A),
                written -> "{}"))).isEqualTo(new FeedbackRepository.Outcome.NotFound(someoneElses.id()));
        UUID unknown = UUID.randomUUID();
        assertThat(await(feedback.submit(choice(owner, a.id(), unknown, PairwiseComparison.Choice.A),
                written -> "{}"))).isEqualTo(new FeedbackRepository.Outcome.NotFound(unknown));

        List<PairwiseComparison> stored = await(feedback.comparisonsFor(q.id()));
        assertThat(stored).hasSize(2).allSatisfy(c -> {
            assertThat(c.rater()).isEqualTo(owner);
            assertThat(c.answerAId()).isEqualTo(a.id());
        });
        assertThat(stored).extracting(PairwiseComparison::answerBId).containsExactlyInAnyOrder(b.id(), again.id());
        assertThat(stored).extracting(c -> c.choice().orElseThrow())
                .containsExactlyInAnyOrder(PairwiseComparison.Choice.B, PairwiseComparison.Choice.A);
        for (Message refused : List.of(otherQuestion, otherHistory, someoneElses)) {
            assertThat(await(feedback.comparisonsFor(refused.parentId()))).isEmpty();
        }
    }

    @Test
    void anAnswerStoredBeforeDigestsIsComparedWithANewOneByItsPrompt() throws Exception {
        ConversationRepository conversations = new ConversationRepository(db.sessions());
        FeedbackRepository feedback = new FeedbackRepository(db.sessions());
        String owner = "apikey:11";
        Message old = askedAndAnswered(conversations, owner, false, List.of("hi", "Hello!"), "refund please",
                "Sure.")[1];
        Message now = askedAndAnswered(conversations, owner, true, List.of("hi", "Hello!"), "refund please",
                "Of course.")[1];
        Message otherNow = askedAndAnswered(conversations, owner, true, List.of("hi", "Hi!"), "refund please",
                "Of course.")[1];

        assertThat(await(feedback.submit(choice(owner, now.id(), old.id(), PairwiseComparison.Choice.A),
                written -> "{}"))).isInstanceOf(FeedbackRepository.Outcome.Stored.class);
        assertThat(await(feedback.submit(choice(owner, old.id(), otherNow.id(), PairwiseComparison.Choice.A),
                written -> "{}"))).isEqualTo(new FeedbackRepository.Outcome.DifferentPrompts());
        assertThat(await(feedback.comparisonsFor(now.parentId()))).singleElement()
                .satisfies(c -> assertThat(c.answerBId()).isEqualTo(old.id()));
        assertThat(await(feedback.comparisonsFor(old.parentId()))).isEmpty();
    }

    private static FeedbackRepository.ApiFeedback choice(String owner, UUID a, UUID b,
                                                         PairwiseComparison.Choice choice) {
        return new FeedbackRepository.ApiFeedback(owner, a, Optional.empty(), Optional.of(b), Optional.of(choice),
                Optional.empty(), "sha");
    }

    /**
     * A conversation of {@code owner}: earlier turns (user, assistant, ...), then a question and its answers, which
     * carry their prompt's digest when {@code digests} (as answers stored since V18 do).
     */
    private static Message[] askedAndAnswered(ConversationRepository conversations, String owner, boolean digests,
                                              List<String> earlier, String question, String... answers)
            throws Exception {
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), owner, "", "")));
        List<Message> messages = new ArrayList<>();
        UUID parent = null;
        for (int i = 0; i < earlier.size(); i++) {
            Message m = i % 2 == 0 ? Message.written(c.id(), parent, Message.Author.user, earlier.get(i))
                    : Message.answer(UUID.randomUUID(), c.id(), parent, earlier.get(i), generation("stop"));
            messages.add(m);
            parent = m.id();
        }
        Message q = Message.written(c.id(), parent, Message.Author.user, question);
        messages.add(q);
        Message[] out = new Message[answers.length + 1];
        out[0] = q;
        byte[] digest = Message.promptSha256(c.systemPrompt(), messages);
        for (int i = 0; i < answers.length; i++) {
            out[i + 1] = digests ? Message.started(UUID.randomUUID(), c.id(), q.id(), "starter@1", "{}", 4, digest)
                    : Message.answer(UUID.randomUUID(), c.id(), q.id(), answers[i], generation("stop"));
            messages.add(out[i + 1]);
        }
        await(conversations.append(c.id(), messages, out[1].id()));
        return out;
    }
}
