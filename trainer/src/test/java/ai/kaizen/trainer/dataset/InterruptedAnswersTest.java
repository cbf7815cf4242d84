package ai.kaizen.trainer.dataset;

import ai.kaizen.db.Database;
import ai.kaizen.db.DatabaseSettings;
import ai.kaizen.db.chat.AnswerRepository;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.chat.Question;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.RatingChange;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An answer its model did not finish (a crash cut it off) is rated and chosen like any other, but no dataset takes
 * it as a complete answer: against the real (embedded) PostgreSQL, with a finished answer beside it to the same
 * question and the same feedback on both.
 */
class InterruptedAnswersTest {

    private static final String FINISHED = "Your parcel ships today.";
    private static final String CUT_OFF = "Your parcel";

    @TempDir
    static Path home;
    static Vertx vertx;
    static Database db;
    static Instant cutOff;

    @BeforeAll
    static void writeFeedback() throws Exception {
        vertx = Vertx.vertx();
        db = Database.open(vertx, new DatabaseSettings(Optional.empty(), home, 0, 4))
                .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        ConversationRepository conversations = new ConversationRepository(db.sessions());
        AnswerRepository answers = new AnswerRepository(db.sessions());
        FeedbackRepository feedback = new FeedbackRepository(db.sessions());

        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:x", "", "Be kind.")));
        Message q = Message.written(c.id(), null, Message.Author.user, "Where is my parcel?");
        await(conversations.append(c.id(), List.of(q), q.id()));
        byte[] prompt = Message.promptSha256(c.systemPrompt(), List.of(q));
        Message finished = Message.started(UUID.randomUUID(), c.id(), q.id(), "starter@1", "{}", 10, prompt);
        Message interrupted = Message.started(UUID.randomUUID(), c.id(), q.id(), "starter@1", "{}", 10, prompt);
        PairwiseComparison pair = new PairwiseComparison(UUID.randomUUID(), q.id(), finished.id(),
                interrupted.id(), "session:x", PairwiseComparison.Trigger.sampled);
        await(answers.start(Question.stored(), c.id(), List.of(finished, interrupted), finished.id(), Optional.of(pair)));
        await(answers.saveProgress(List.of(new AnswerRepository.Progress(interrupted.id(), CUT_OFF, CUT_OFF, 3))));
        await(answers.finish(List.of(Message.answer(finished.id(), c.id(), q.id(), FINISHED,
                new Message.Generation("starter@1", "{}", 10, 6, 100, 10, "stop")))));
        // the same approval of both, and a choice of the interrupted one
        for (Message m : List.of(finished, interrupted)) {
            await(feedback.rate(m.id(), "u1",
                    new RatingChange(Optional.of(1), Optional.of(5), Optional.empty(), Optional.empty())));
        }
        await(feedback.decide(pair.id(), PairwiseComparison.Choice.B));
        Thread.sleep(5);
        cutOff = Instant.now();
    }

    @AfterAll
    static void close() throws Exception {
        db.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void noDatasetTakesAnInterruptedAnswer() throws Exception {
        DatasetBuilder builder = new DatasetBuilder(db.sessions());
        DatasetParameters parameters = new DatasetParameters(4, 1.0, 0, 0, true);

        Dataset<SftExample> sft = await(builder.buildSft(cutOff, parameters));
        assertThat(all(sft)).extracting(e -> e.messages().get(e.messages().size() - 1).content())
                .containsExactly(FINISHED);
        assertThat(sft.stats()).containsEntry("snapshot.interrupted_answers", 1);

        Dataset<ThumbsExample> thumbs = await(builder.buildThumbs(cutOff, parameters));
        assertThat(all(thumbs)).extracting(ThumbsExample::completion).doesNotContain(CUT_OFF).contains(FINISHED);

        Dataset<PreferenceExample> preferences = await(builder.buildPreferences(cutOff, parameters));
        assertThat(all(preferences)).noneMatch(p -> p.chosen().equals(CUT_OFF) || p.rejected().equals(CUT_OFF));
    }

    private static <E extends Example> List<E> all(Dataset<E> dataset) {
        List<E> all = new ArrayList<>(dataset.train());
        all.addAll(dataset.eval());
        return all;
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
