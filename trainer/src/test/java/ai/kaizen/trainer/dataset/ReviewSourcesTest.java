package ai.kaizen.trainer.dataset;

import ai.kaizen.db.Database;
import ai.kaizen.db.DatabaseSettings;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.review.Ranking;
import ai.kaizen.db.review.ReviewRepository;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.db.review.ReviewWork;
import ai.kaizen.model.tokenizer.ChatMessage;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Reviewers' work, stored through the review queue in the real PostgreSQL: rankings become preference pairs, ideal
 * answers demonstrations.
 */
class ReviewSourcesTest {

    @TempDir
    static Path home;
    static Vertx vertx;
    static Database db;
    static ConversationRepository conversations;
    static ReviewRepository reviews;
    static final Map<String, Message> answers = new HashMap<>();

    @BeforeAll
    static void open() throws Exception {
        vertx = Vertx.vertx();
        db = Database.open(vertx, new DatabaseSettings(Optional.empty(), home, 0, 4))
                .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        conversations = new ConversationRepository(db.sessions());
        reviews = new ReviewRepository(db.sessions());
    }

    @AfterAll
    static void close() throws Exception {
        db.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** A question, the answer the user saw (the first name) and review candidates (the others), in a rank task. */
    static void task(String question, String... names) throws Exception {
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:t", "t", "Be kind.")));
        Message q = Message.written(c.id(), null, Message.Author.user, question);
        List<Message> made = new ArrayList<>();
        for (String name : names) {
            Message m = Message.answer(UUID.randomUUID(), c.id(), q.id(), "answer " + name,
                    new Message.Generation("m@1", "{}", 3, 2, 10, 5, "stop"));
            answers.put(name, m);
            made.add(m);
        }
        await(conversations.append(c.id(), List.of(q, made.get(0)), made.get(0).id()));
        await(reviews.createTask(new ReviewTask(UUID.randomUUID(), ReviewTask.Kind.RANK, q.id(),
                made.stream().map(Message::id).toList(), ReviewTask.Priority.RANDOM, 3), made.subList(1, made.size())));
    }

    /** The reviewer takes their next task and ranks it: "a1 b2! c3" ranks a first, b second and unacceptable... */
    static void rank(String reviewer, String ranking) throws Exception {
        ReviewWork w = await(reviews.next(reviewer, ReviewTask.Kind.RANK)).orElseThrow();
        List<Ranking.Entry> entries = new ArrayList<>();
        for (String e : ranking.split(" ")) {
            entries.add(new Ranking.Entry(answers.get(e.substring(0, 1)).id(),
                    Integer.parseInt(e.substring(1, 2)), e.endsWith("!")));
        }
        await(reviews.submitRanking(w.assignment().id(), reviewer, new Ranking(entries), Duration.ofMinutes(5)));
    }

    @Test
    void rankingsBecomeEveryBetterWorsePair() throws Exception {
        task("Where is my parcel?", "a", "b", "c");
        task("Can I pay later?", "d", "e");
        task("Hello?", "f", "g");
        // task 1: ann a > b > c; bob a = b (a tie), c unacceptable.
        rank("user:ann", "a1 b2 c3");
        rank("user:bob", "a1 b1 c2!");
        // task 2: ann and bob disagree: a conflict.
        rank("user:ann", "d1 e2");
        rank("user:bob", "e1 d2");
        // task 3: both answers unacceptable: no pair. cid's open work on task 1 is not submitted and counts for nothing.
        rank("user:ann", "f1! g2!");
        await(reviews.next("user:cid", ReviewTask.Kind.RANK));
        // task 4: ann ranks two answers equal, and nobody decides between them: a tie example
        task("Is it raining?", "h", "i");
        rank("user:ann", "h1 i1");

        Dataset<PreferenceExample> dataset = await(new DatasetBuilder(db.sessions(), List.of(new RankedAnswers()))
                .buildPreferences(Instant.now(), new DatasetParameters(4, 1.0, 0, 0, true)));
        assertThat(dataset.train()).extracting(PreferenceExample::chosen, PreferenceExample::rejected,
                e -> e.provenance().ids().size()).containsExactlyInAnyOrder(
                tuple("answer a", "answer b", 1),
                tuple("answer a", "answer c", 2),
                tuple("answer b", "answer c", 2));
        assertThat(dataset.train().get(0).prompt()).containsExactly(ChatMessage.system("Be kind."),
                ChatMessage.user("Where is my parcel?"));
        assertThat(dataset.stats()).containsEntry("ranking.examples", 3).containsEntry("ranking.tie", 2)
                .containsEntry("ranking.conflict", 1).containsEntry("ranking.both_unacceptable", 1);

        // the recorded version rebuilds to the same pairs
        Dataset<?> again = await(new DatasetBuilder(db.sessions(), List.of(new RankedAnswers())).rebuild(dataset.versionId()));
        assertThat(again.train()).isEqualTo(dataset.train());

        // ties: bob's a = b is outvoted by ann's a > b; ann's h = i stands
        Dataset<PreferenceExample> ties = await(new DatasetBuilder(db.sessions(), List.of(new TiedAnswers()))
                .buildPreferences(Instant.now(), new DatasetParameters(4, 1.0, 0, 0, true)));
        assertThat(ties.train()).singleElement().satisfies(t -> {
            assertThat(t.tie()).isTrue();
            assertThat(List.of(t.chosen(), t.rejected())).containsExactlyInAnyOrder("answer h", "answer i");
            assertThat(t.prompt()).containsExactly(ChatMessage.system("Be kind."), ChatMessage.user("Is it raining?"));
        });
        assertThat(ties.stats()).containsEntry("tie.examples", 1).containsEntry("tie.decided_elsewhere", 1);
        assertThat(await(new DatasetBuilder(db.sessions(), List.of(new TiedAnswers())).rebuild(ties.versionId()))
                .train()).isEqualTo(ties.train());
    }

    @Test
    void idealAnswersBecomeDemonstrations() throws Exception {
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:u", "t", "Be kind.")));
        Message q = Message.written(c.id(), null, Message.Author.user, "My card was charged twice.");
        Message shown = Message.answer(UUID.randomUUID(), c.id(), q.id(), "Ok.",
                new Message.Generation("m@1", "{}", 3, 2, 10, 5, "stop"));
        await(conversations.append(c.id(), List.of(q, shown), shown.id()));
        await(reviews.createTask(new ReviewTask(UUID.randomUUID(), ReviewTask.Kind.IDEAL, q.id(),
                List.of(shown.id()), ReviewTask.Priority.DISLIKED, 2), List.of()));
        ReviewWork ann = await(reviews.next("user:ann", ReviewTask.Kind.IDEAL)).orElseThrow();
        await(reviews.submitIdealAnswer(ann.assignment().id(), "user:ann", "Sorry! I refund one charge.",
                Duration.ofMinutes(5)));
        // an edit within the window replaces the answer (and its message)
        await(reviews.submitIdealAnswer(ann.assignment().id(), "user:ann", "Sorry about that: I have refunded the "
                + "second charge.", Duration.ofMinutes(5)));
        ReviewWork bob = await(reviews.next("user:bob", ReviewTask.Kind.IDEAL)).orElseThrow();
        await(reviews.skip(bob.assignment().id(), "user:bob", "unsure"));

        Dataset<SftExample> dataset = await(new DatasetBuilder(db.sessions(), List.of(new IdealAnswers()))
                .buildSft(Instant.now(), new DatasetParameters(4, 1.0, 0, 0, true)));
        assertThat(dataset.train()).singleElement().satisfies(e -> {
            assertThat(e.messages()).containsExactly(ChatMessage.system("Be kind."),
                    ChatMessage.user("My card was charged twice."),
                    ChatMessage.assistant("Sorry about that: I have refunded the second charge."));
            assertThat(e.provenance()).isEqualTo(new Provenance("ideal_answer",
                    List.of(String.valueOf(ann.assignment().id()))));
        });
        assertThat(await(conversations.messages(c.id()))).extracting(Message::content)
                .doesNotContain("Sorry! I refund one charge.");
        Dataset<?> again = await(new DatasetBuilder(db.sessions(), List.of(new IdealAnswers())).rebuild(dataset.versionId()));
        assertThat(again.train()).isEqualTo(dataset.train());
    }
}
