package ai.kaizen.trainer.dataset;

import ai.kaizen.db.Database;
import ai.kaizen.db.DatabaseSettings;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.dataset.DatasetRepository;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.PairwiseComparison.Choice;
import ai.kaizen.db.feedback.RatingChange;
import ai.kaizen.model.tokenizer.ChatMessage;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The builder against the real (embedded) PostgreSQL. One set of conversations and feedback, written once, serves
 * every test; part of it is written after {@link #cutOff}, and most builds read at the cut-off.
 */
class DatasetBuilderTest {

    private static final String SYSTEM = "You help customers.";

    @TempDir
    static Path home;
    static Vertx vertx;
    static Database db;
    static ConversationRepository conversations;
    static FeedbackRepository feedback;
    static DatasetBuilder builder;
    static Instant cutOff;
    /** Answers by name: a1 is the first answer in conversation a, and so on. */
    static final Map<String, Message> answers = new HashMap<>();
    static final Map<String, UUID> comparisons = new HashMap<>();

    @BeforeAll
    static void writeFeedback() throws Exception {
        vertx = Vertx.vertx();
        db = Database.open(vertx, new DatabaseSettings(Optional.empty(), home, 0, 4))
                .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        conversations = new ConversationRepository(db.sessions());
        feedback = new FeedbackRepository(db.sessions());
        builder = new DatasetBuilder(db.sessions());

        // a: a1 beats a2 by choice; stars agree (a1 4.5, a2 2), but the choice covers the pair.
        Message qa = conversation("a", "Where is my order?", "It ships today.", "No idea.");
        stars("a1", "u1", 5);
        stars("a1", "u2", 4);
        stars("a2", "u1", 2);
        compare("a", "a1", "a2", "u1", Choice.A);
        // ...and a second turn after a1, its answer thumbed up.
        Message followUp = Message.written(qa.conversationId(), answers.get("a1").id(), Message.Author.user,
                "Thanks, and the invoice?");
        Message a3 = Message.answer(UUID.randomUUID(), qa.conversationId(), followUp.id(), "It is attached.",
                generation());
        await(conversations.append(qa.conversationId(), List.of(followUp, a3), a3.id()));
        answers.put("a3", a3);
        thumbs("a3", "u1", 1);
        // b: stars only: b1 5, b2 4, b3 (4 + 3) / 2 = 3.5.
        conversation("b", "Can I get a refund?", "Yes, within 30 days.", "Usually.", "Maybe.");
        stars("b1", "u1", 5);
        stars("b2", "u1", 4);
        stars("b3", "u1", 4);
        stars("b3", "u2", 3);
        // c: a tie; c1's raters disagree on thumbs.
        conversation("c", "Change my address", "Go to Settings, then Address.", "Open your profile.");
        compare("c", "c1", "c2", "u1", Choice.TIE);
        thumbs("c1", "u1", 1);
        thumbs("c1", "u2", -1);
        // d: both bad; d1 also got a thumbs down (with five stars from the same rater: the thumbs wins).
        conversation("d", "Cancel my subscription", "I like turtles.", "Subscriptions are great.");
        compare("d", "d1", "d2", "u1", Choice.BOTH_BAD);
        await(feedback.rate(answers.get("d1").id(), "u1",
                new RatingChange(Optional.of(-1), Optional.of(5), Optional.empty(), Optional.empty())));
        // e: two users disagree.
        conversation("e", "Hello", "Hello! How can I help?", "Hi.");
        compare("e", "e1", "e2", "u1", Choice.A);
        compare("e", "e1", "e2", "u2", Choice.B);

        Thread.sleep(5);
        cutOff = Instant.now();
        Thread.sleep(5);

        // After the cut-off: a new thumbed answer, and a third verdict that settles e.
        conversation("f", "Late question", "Late answer.");
        thumbs("f1", "u1", 1);
        compare("e", "e1", "e2", "u3", Choice.A);
    }

    @AfterAll
    static void close() throws Exception {
        db.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void pairwiseChoicesAndStarsDifferencesMakePreferences() throws Exception {
        Dataset<PreferenceExample> prefs = await(builder.buildPreferences(cutOff, DatasetParameters.DEFAULTS));

        assertThat(all(prefs)).filteredOn(p -> !p.tie()).extracting(p -> p.provenance().kind(),
                PreferenceExample::chosen, PreferenceExample::rejected).containsExactlyInAnyOrder(
                tuple("pairwise", "It ships today.", "No idea."),
                tuple("stars", "Yes, within 30 days.", "Usually."),
                tuple("stars", "Yes, within 30 days.", "Maybe."));
        // the tie on c is a tie example, its two answers in id order; e's A-and-B conflict is no tie
        PreferenceExample tie = all(prefs).stream().filter(PreferenceExample::tie).findFirst().orElseThrow();
        assertThat(List.of(tie.chosen(), tie.rejected())).containsExactlyInAnyOrder("Go to Settings, then Address.",
                "Open your profile.");
        assertThat(tie.provenance().kind()).isEqualTo("tie");
        assertThat(tie.provenance().ids()).containsExactly(comparisons.get("c:u1").toString());
        assertThat(tie.margin()).isZero();
        assertThat(all(prefs)).filteredOn(PreferenceExample::tie).hasSize(1);
        PreferenceExample chosenByUser = all(prefs).stream()
                .filter(p -> p.provenance().kind().equals("pairwise")).findFirst().orElseThrow();
        assertThat(chosenByUser.provenance().ids()).containsExactly(comparisons.get("a:u1").toString());
        assertThat(chosenByUser.prompt()).containsExactly(ChatMessage.system(SYSTEM),
                ChatMessage.user("Where is my order?"));
        // both-bad verdicts and conflicting verdicts are counted, never paired; ties are counted and made tie examples
        assertThat(prefs.stats()).containsEntry("tie.examples", 1).containsEntry("pairwise.tie", 1).containsEntry("pairwise.both_bad", 1)
                .containsEntry("pairwise.conflict", 1).containsEntry("pairwise.examples", 1)
                .containsEntry("stars.examples", 2).containsEntry("stars.compared", 1)
                .containsEntry("stars.below_margin", 1);

        Dataset<PreferenceExample> wide = await(builder.buildPreferences(cutOff,
                DatasetParameters.DEFAULTS.withStarsMargin(1.5)));
        assertThat(all(wide)).filteredOn(p -> !p.tie()).extracting(PreferenceExample::rejected)
                .containsExactlyInAnyOrder("No idea.", "Maybe.");
    }

    @Test
    void wellRatedAnswersAreDemonstrationsAndTheThresholdIsAParameter() throws Exception {
        Dataset<SftExample> sft = await(builder.buildSft(cutOff, DatasetParameters.DEFAULTS));
        // a1 (5 and 4 stars), a3 (thumbs up), b1 (5), b2 (4); not a2 (2 stars), not b3 (4 and 3: one vote each),
        // not c1 (thumbs up and down), not d1 (thumbs down with 5 stars), not f1 (after the cut-off)
        assertThat(all(sft)).extracting(SftExample::completion).containsExactlyInAnyOrder(
                "It ships today.", "It is attached.", "Yes, within 30 days.", "Usually.");
        assertThat(sft.stats()).containsEntry("rating.disapproved", 2).containsEntry("rating.split_vote", 2);
        SftExample attached = all(sft).stream().filter(e -> e.completion().equals("It is attached.")).findFirst()
                .orElseThrow();
        assertThat(attached.messages()).containsExactly(ChatMessage.system(SYSTEM),
                ChatMessage.user("Where is my order?"), ChatMessage.assistant("It ships today."),
                ChatMessage.user("Thanks, and the invoice?"), ChatMessage.assistant("It is attached."));

        Dataset<SftExample> strict = await(builder.buildSft(cutOff, DatasetParameters.DEFAULTS.withSftMinStars(5)));
        assertThat(all(strict)).extracting(SftExample::completion)
                .containsExactlyInAnyOrder("It is attached.", "Yes, within 30 days.");
    }

    @Test
    void thumbsStarsAndBothBadVerdictsLabelAnswers() throws Exception {
        Dataset<ThumbsExample> thumbs = await(builder.buildThumbs(cutOff, DatasetParameters.DEFAULTS));
        // stars vote from 4 up for, up to 2 against: a1 (5, 4), b1 (5), b2 (4), b3 (4 and 3) good, a2 (2) bad;
        // d1's five stars count for nothing beside the same rater's thumbs down
        assertThat(all(thumbs)).extracting(ThumbsExample::completion, ThumbsExample::label, e -> e.provenance().kind())
                .containsExactlyInAnyOrder(
                        tuple("It is attached.", true, "rating"),
                        tuple("I like turtles.", false, "rating"),
                        tuple("It ships today.", true, "stars"),
                        tuple("No idea.", false, "stars"),
                        tuple("Yes, within 30 days.", true, "stars"),
                        tuple("Usually.", true, "stars"),
                        tuple("Maybe.", true, "stars"),
                        tuple("Subscriptions are great.", false, "both_bad"));
        assertThat(thumbs.stats()).containsEntry("rating.tied", 1).containsEntry("both_bad.has_thumbs", 1)
                .containsEntry("stars.has_thumbs", 1).containsEntry("stars.examples", 5);

        Dataset<ThumbsExample> without = await(builder.buildThumbs(cutOff,
                DatasetParameters.DEFAULTS.withBothBadAsThumbsDown(false)));
        assertThat(all(without)).extracting(ThumbsExample::completion).doesNotContain("Subscriptions are great.")
                .contains("It is attached.", "I like turtles.");
    }

    @Test
    void theStarThresholdsOfTheThumbsDatasetAreParameters() throws Exception {
        // only 5 stars for, only 1 against: a1 (5 and a neutral 4) and b1 stay good, the rest is neutral
        Dataset<ThumbsExample> strict = await(builder.buildThumbs(cutOff,
                DatasetParameters.DEFAULTS.withStarLabels(5, 1)));
        assertThat(all(strict)).filteredOn(e -> e.provenance().kind().equals("stars"))
                .extracting(ThumbsExample::completion, ThumbsExample::label)
                .containsExactlyInAnyOrder(tuple("It ships today.", true), tuple("Yes, within 30 days.", true));
        assertThat(strict.stats()).containsEntry("stars.neutral", 3);
        assertThat(DatasetParameters.fromJson(strict.parameters().toJson())).isEqualTo(strict.parameters());

        Dataset<ThumbsExample> off = await(builder.buildThumbs(cutOff,
                DatasetParameters.DEFAULTS.withStarLabels(6, 0)));
        assertThat(all(off)).noneMatch(e -> e.provenance().kind().equals("stars"));
        assertThatThrownBy(() -> DatasetParameters.DEFAULTS.withStarLabels(3, 3))
                .hasMessageContaining("undesirableMaxStars");
    }

    @Test
    void theCutOffLeavesOutLaterFeedback() throws Exception {
        Dataset<ThumbsExample> now = await(builder.buildThumbs(Instant.now(), DatasetParameters.DEFAULTS));
        assertThat(all(now)).extracting(ThumbsExample::completion).contains("Late answer.");
        Dataset<ThumbsExample> then = await(builder.buildThumbs(cutOff, DatasetParameters.DEFAULTS));
        // before any feedback: an empty version, recorded and rebuilt like any other
        Dataset<SftExample> none = await(builder.buildSft(Instant.EPOCH, DatasetParameters.DEFAULTS));
        assertThat(none.size()).isZero();
        assertThat(await(builder.rebuild(none.versionId())).size()).isZero();
        assertThat(all(then)).extracting(ThumbsExample::completion).doesNotContain("Late answer.");

        // the third verdict on e, given after the cut-off, settles the conflict only in a later build
        Dataset<PreferenceExample> later = await(builder.buildPreferences(Instant.now(), DatasetParameters.DEFAULTS));
        assertThat(all(later)).extracting(PreferenceExample::chosen).contains("Hello! How can I help?");
        assertThat(later.stats()).doesNotContainKey("pairwise.conflict");
        PreferenceExample settled = all(later).stream().filter(p -> p.chosen().startsWith("Hello!")).findFirst()
                .orElseThrow();
        assertThat(settled.provenance().ids()).containsExactlyInAnyOrder(comparisons.get("e:u1").toString(),
                comparisons.get("e:u3").toString());
    }

    @Test
    void aBuildIsDeterministicAndARebuildReproducesTheRecordedIds() throws Exception {
        DatasetParameters halfHeldOut = DatasetParameters.DEFAULTS.withSplit(0.5, 7);
        Dataset<PreferenceExample> first = await(builder.buildPreferences(cutOff, halfHeldOut));
        Dataset<PreferenceExample> second = await(builder.buildPreferences(cutOff, halfHeldOut));
        assertThat(second.versionId()).isNotEqualTo(first.versionId());
        assertThat(second.train()).isEqualTo(first.train());
        assertThat(second.eval()).isEqualTo(first.eval());

        // feedback given since does not change a rebuild
        compare("b", "b3", "b1", "u9", Choice.A);
        Dataset<? extends Example> rebuilt = await(builder.rebuild(first.versionId()));
        assertThat(rebuilt.kind()).isEqualTo(DatasetKind.PREFERENCE);
        // PostgreSQL keeps microseconds
        assertThat(java.time.Duration.between(rebuilt.cutOff(), first.cutOff()).abs())
                .isLessThanOrEqualTo(java.time.Duration.ofNanos(1000));
        assertThat(rebuilt.parameters()).isEqualTo(halfHeldOut);
        assertThat(rebuilt.train()).isEqualTo(first.train());
        assertThat(rebuilt.eval()).isEqualTo(first.eval());
        assertThat(rebuilt.stats()).isEqualTo(first.stats());

        var items = await(new DatasetRepository(db.sessions()).items(first.versionId()));
        assertThat(items).hasSize(first.size());
        assertThat(items).filteredOn(i -> i.sourceKind().equals("pairwise")).singleElement().satisfies(i -> {
            assertThat(i.answerId()).isEqualTo(answers.get("a1").id());
            assertThat(i.otherAnswerId()).isEqualTo(answers.get("a2").id());
            assertThat(i.promptMessageId()).isEqualTo(answers.get("a1").parentId());
            assertThat(i.sourceIds()).containsExactly(comparisons.get("a:u1").toString());
        });
        assertThatThrownBy(() -> await(builder.rebuild(-1))).hasStackTraceContaining("no dataset version -1");
    }

    @Test
    void aPromptIsNeverInBothSplits() throws Exception {
        Dataset<SftExample> sft = await(builder.buildSft(Instant.now(), DatasetParameters.DEFAULTS.withSplit(0.5, 3)));
        List<String> trainKeys = sft.train().stream().map(e -> PromptSplitter.key(e.prompt())).toList();
        List<String> evalKeys = sft.eval().stream().map(e -> PromptSplitter.key(e.prompt())).toList();
        assertThat(trainKeys).doesNotContainAnyElementsOf(evalKeys);
    }

    // --- writing the fixture

    private static Message conversation(String name, String question, String... replies) throws Exception {
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:" + name, name,
                SYSTEM)));
        Message q = Message.written(c.id(), null, Message.Author.user, question);
        List<Message> all = new ArrayList<>(List.of(q));
        for (int i = 0; i < replies.length; i++) {
            Message a = Message.answer(UUID.randomUUID(), c.id(), q.id(), replies[i], generation());
            answers.put(name + (i + 1), a);
            all.add(a);
        }
        await(conversations.append(c.id(), all, all.get(all.size() - 1).id()));
        return q;
    }

    private static void stars(String answer, String rater, int stars) throws Exception {
        await(feedback.rate(answers.get(answer).id(), rater,
                new RatingChange(Optional.empty(), Optional.of(stars), Optional.empty(), Optional.empty())));
    }

    private static void thumbs(String answer, String rater, int thumbs) throws Exception {
        await(feedback.rate(answers.get(answer).id(), rater,
                new RatingChange(Optional.of(thumbs), Optional.empty(), Optional.empty(), Optional.empty())));
    }

    private static void compare(String conversation, String a, String b, String rater, Choice choice)
            throws Exception {
        Message answerA = answers.get(a);
        PairwiseComparison c = await(feedback.createComparison(new PairwiseComparison(UUID.randomUUID(),
                answerA.parentId(), answerA.id(), answers.get(b).id(), rater, PairwiseComparison.Trigger.sampled)));
        await(feedback.decide(c.id(), choice));
        comparisons.put(conversation + ":" + rater, c.id());
    }

    private static Message.Generation generation() {
        return new Message.Generation("test@1", "{\"temperature\":0.7}", 10, 5, 30, 6, "stop");
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
