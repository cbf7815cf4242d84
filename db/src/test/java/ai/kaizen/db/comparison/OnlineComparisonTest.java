package ai.kaizen.db.comparison;

import ai.kaizen.db.EmbeddedDatabaseTest;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Online comparisons and the tally of users' choices between two versions, against the real PostgreSQL. */
class OnlineComparisonTest extends EmbeddedDatabaseTest {


    /** A pair of answers, from versions {@code a} and {@code b} (shown as A and B), and the user's choice. */
    private static void choice(String a, String b, PairwiseComparison.Choice choice) throws Exception {
        ConversationRepository conversations = new ConversationRepository(db.sessions());
        FeedbackRepository feedback = new FeedbackRepository(db.sessions());
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:u", "", "")));
        Message q = Message.written(c.id(), null, Message.Author.user, "Where is my order?");
        Message first = Message.answer(UUID.randomUUID(), c.id(), q.id(), "one", generation(a));
        Message second = Message.answer(UUID.randomUUID(), c.id(), q.id(), "two", generation(b));
        await(conversations.append(c.id(), List.of(q, first, second), first.id()));
        PairwiseComparison pair = await(feedback.createComparison(new PairwiseComparison(UUID.randomUUID(), q.id(),
                first.id(), second.id(), "session:u", PairwiseComparison.Trigger.sampled)));
        if (choice != null) {
            await(feedback.decide(pair.id(), choice));
        }
    }

    private static Message.Generation generation(String version) {
        return new Message.Generation(version, "{}", 10, 5, 30, 4, "stop");
    }

    @Test
    void oneComparisonRunsAtATimeAndTheTallyCountsEachSideWhereverItWasShown() throws Exception {
        ModelRegistry registry = new ModelRegistry(db.sessions());
        ModelVersion base = await(registry.register(new ModelVersion("base@c", null, null, null, "/m/b",
                "a".repeat(64), "{}", "{}")));
        ModelVersion next = await(registry.register(new ModelVersion("next@c", base.id(), null, null, "/m/n",
                "b".repeat(64), "{}", "{}")));
        OnlineComparisonRepository comparisons = new OnlineComparisonRepository(db.sessions());
        assertThat(await(comparisons.running())).isEmpty();

        OnlineComparison first = await(comparisons.start(base.id(), next.id(), 0.5, "operator", "otto"));
        assertThat(first.running()).isTrue();
        assertThat(first.baselineLabel()).isEqualTo("base@c");
        assertThat(first.challengerLabel()).isEqualTo("next@c");
        OnlineComparison second = await(comparisons.start(next.id(), base.id(), 1.0, "after promotion", "otto"));
        assertThat(await(comparisons.running())).map(OnlineComparison::id).contains(second.id());
        assertThat(await(comparisons.find(first.id())).orElseThrow().running()).as("the first one ended").isFalse();
        assertThatThrownBy(() -> await(comparisons.start(base.id(), base.id(), 0.5, "x", "otto")))
                .as("a version against itself").rootCause().hasMessageContaining("online_comparison_check");
        assertThatThrownBy(() -> await(comparisons.start(base.id(), next.id(), 0, "x", "otto")))
                .as("a share of nothing").rootCause().hasMessageContaining("online_comparison_share_check");

        Instant from = Instant.now().minusSeconds(60);
        choice("base@c", "next@c", PairwiseComparison.Choice.A);    // base wins, shown as A
        choice("next@c", "base@c", PairwiseComparison.Choice.B);    // base wins, shown as B
        choice("next@c", "base@c", PairwiseComparison.Choice.A);    // next wins
        choice("base@c", "next@c", PairwiseComparison.Choice.TIE);
        choice("base@c", "next@c", PairwiseComparison.Choice.BOTH_BAD);
        choice("base@c", "next@c", null);                           // not decided: not counted
        choice("base@c", "base@c", PairwiseComparison.Choice.A);    // same version: not a head-to-head
        choice("other@c", "next@c", PairwiseComparison.Choice.A);   // another pair of versions

        assertThat(await(comparisons.tally("base@c", "next@c", from, null))).isEqualTo(new Tally(2, 1, 1, 1));
        assertThat(await(comparisons.tally("next@c", "base@c", from, null))).isEqualTo(new Tally(1, 2, 1, 1));
        assertThat(await(comparisons.tally("base@c", "next@c", Instant.now().plusSeconds(60), null)).total())
                .isZero();
        assertThat(await(comparisons.stop())).isTrue();
        assertThat(await(comparisons.stop())).isFalse();
        assertThat(await(comparisons.newest(10))).extracting(OnlineComparison::id)
                .containsExactly(second.id(), first.id());
    }
}
