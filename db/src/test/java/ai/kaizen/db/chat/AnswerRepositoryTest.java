package ai.kaizen.db.chat;

import ai.kaizen.db.EmbeddedDatabaseTest;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.RatingChange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Answers stored as they are written, against the real (embedded) PostgreSQL. */
class AnswerRepositoryTest extends EmbeddedDatabaseTest {

    private final ConversationRepository conversations = new ConversationRepository(db.sessions());
    private final AnswerRepository answers = new AnswerRepository(db.sessions());
    private final FeedbackRepository feedback = new FeedbackRepository(db.sessions());

    /** A conversation of {@code owner} with one question, stored. */
    private Message question(String owner) throws Exception {
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), owner, "", "")));
        Message q = Message.written(c.id(), null, Message.Author.user, "Where is my order?");
        await(conversations.append(c.id(), List.of(q), q.id()));
        return q;
    }

    private Message stored(Message m) throws Exception {
        return await(conversations.messages(m.conversationId())).stream().filter(x -> x.id().equals(m.id()))
                .findFirst().orElseThrow();
    }

    private static Message started(Message question) {
        return Message.started(UUID.randomUUID(), question.conversationId(), question.id(), "starter@1",
                "{\"seed\":7}", 12, Message.promptSha256("", List.of(question)));
    }

    @Test
    void anAnswerIsStoredInterruptedWhenItStartsAndFinishedAtTheEnd() throws Exception {
        Message q = question("session:start");
        Message a = started(q);
        await(answers.start(Question.stored(), q.conversationId(), List.of(a), a.id(), Optional.empty()));

        Message begun = stored(a);
        assertThat(begun.finishReason()).isEqualTo(Message.INTERRUPTED);
        assertThat(begun.interrupted()).isTrue();
        assertThat(begun.content()).isEmpty();
        assertThat(begun.modelVersion()).isEqualTo("starter@1");
        assertThat(begun.promptTokens()).isEqualTo(12);
        assertThat(await(conversations.find(q.conversationId(), "session:start")).orElseThrow().currentMessageId())
                .as("the conversation continues from the answer being written").isEqualTo(a.id());

        await(answers.saveProgress(List.of(new AnswerRepository.Progress(a.id(), "Visit {{Website Name}}",
                "Visit example.com", 4))));
        Message partial = stored(a);
        assertThat(partial.content()).isEqualTo("Visit {{Website Name}}");
        assertThat(partial.shown()).isEqualTo("Visit example.com");
        assertThat(partial.completionTokens()).isEqualTo(4);
        assertThat(partial.interrupted()).isTrue();

        Message done = Message.answer(a.id(), q.conversationId(), q.id(), "Visit {{Website Name}} today.",
                new Message.Generation("starter@1", "{\"seed\":7}", 12, 6, 250, 30, "stop"))
                .shownAs("Visit example.com today.");
        await(answers.finish(List.of(done)));
        // a save of the text so far that arrives after the end leaves the finished answer as it is
        await(answers.saveProgress(List.of(new AnswerRepository.Progress(a.id(), "Visit", "Visit", 1))));
        Message finished = stored(a);
        assertThat(finished.content()).isEqualTo("Visit {{Website Name}} today.");
        assertThat(finished.shown()).isEqualTo("Visit example.com today.");
        assertThat(finished.finishReason()).isEqualTo("stop");
        assertThat(finished.interrupted()).isFalse();
        assertThat(finished.completionTokens()).isEqualTo(6);
        assertThat(finished.latencyMs()).isEqualTo(250);
        assertThat(finished.firstTokenMs()).isEqualTo(30);
    }

    @Test
    void aNewConversationItsQuestionAndItsAnswerAreStoredTogether() throws Exception {
        Conversation c = new Conversation(UUID.randomUUID(), "session:new", "Where is my order?", "Be brief.");
        Message q = Message.written(c.id(), null, Message.Author.user, "Where is my order?");
        Message a = started(q);
        await(answers.start(Question.inNewConversation(c, List.of(q)), c.id(), List.of(a), a.id(), Optional.empty()));

        Conversation stored = await(conversations.find(c.id(), "session:new")).orElseThrow();
        assertThat(stored.systemPrompt()).isEqualTo("Be brief.");
        assertThat(stored.currentMessageId()).isEqualTo(a.id());
        assertThat(await(conversations.messages(c.id()))).extracting(Message::id).containsExactlyInAnyOrder(q.id(), a.id());
    }

    @Test
    void aQuestionAskedInAStoredConversationCanRetitleIt() throws Exception {
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:title", "", "")));
        Message q = Message.written(c.id(), null, Message.Author.user, "Cancel order 55120");
        Message a = started(q);
        await(answers.start(Question.asked(q, Optional.of("Cancel order 55120")), c.id(), List.of(a), a.id(),
                Optional.empty()));

        Conversation stored = await(conversations.find(c.id(), "session:title")).orElseThrow();
        assertThat(stored.title()).isEqualTo("Cancel order 55120");
        assertThat(stored.currentMessageId()).isEqualTo(a.id());
        assertThat(stored(q).content()).isEqualTo("Cancel order 55120");
    }

    @Test
    void answersToAConversationThatIsNotStoredAreRefusedAndLeaveNothing() throws Exception {
        Message q = Message.written(UUID.randomUUID(), null, Message.Author.user, "Hello");
        Message a = started(q);
        assertThatThrownBy(() -> await(answers.start(Question.asked(q, Optional.empty()), q.conversationId(),
                List.of(a), a.id(), Optional.empty()))).hasMessageContaining("no conversation");
        assertThat(await(conversations.messages(q.conversationId()))).isEmpty();
    }

    @Test
    void anInterruptedPairCanBeRatedAndChosenByItsOwner() throws Exception {
        Message q = question("session:pair");
        Message a = started(q);
        Message b = started(q);
        PairwiseComparison pair = new PairwiseComparison(UUID.randomUUID(), q.id(), a.id(), b.id(), "session:pair",
                PairwiseComparison.Trigger.sampled);
        await(answers.start(Question.stored(), q.conversationId(), List.of(a, b), a.id(), Optional.of(pair)));
        await(answers.saveProgress(List.of(new AnswerRepository.Progress(a.id(), "Sorry", "Sorry", 1),
                new AnswerRepository.Progress(b.id(), "", "", 0))));

        RatingChange thumbsDown = new RatingChange(Optional.of(-1), Optional.empty(), Optional.empty(),
                Optional.empty());
        assertThat(await(feedback.rateOwnAnswer(a.id(), "session:pair", thumbsDown))).isPresent();
        assertThat(await(feedback.rateOwnAnswer(a.id(), "session:other", thumbsDown))).isEmpty();
        assertThat(await(feedback.chooseOwn(pair.id(), "session:pair", PairwiseComparison.Choice.B)))
                .hasValueSatisfying(chosen -> {
                    assertThat(chosen.continuing()).isEqualTo(b.id());
                    assertThat(chosen.continuesConversation()).isTrue();
                });
        assertThat(stored(a).content()).isEqualTo("Sorry");
        assertThat(stored(b).interrupted()).isTrue();
    }
}
