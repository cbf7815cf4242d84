package ai.kaizen.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MismatchedPairsTest {

    /** Twelve requests of four intents, three messages each, worded so that words alone could not tell them all apart. */
    static final Map<String, String> INTENTS = Map.ofEntries(
            Map.entry("I want my money back", "get_refund"),
            Map.entry("how do I get a refund for my order", "get_refund"),
            Map.entry("refund please", "get_refund"),
            Map.entry("where is my order", "track_order"),
            Map.entry("track my order please", "track_order"),
            Map.entry("has my parcel shipped", "track_order"),
            Map.entry("cancel my order", "cancel_order"),
            Map.entry("I do not want my order anymore", "cancel_order"),
            Map.entry("stop the order I made", "cancel_order"),
            Map.entry("change my address", "change_address"),
            Map.entry("I moved, update my address", "change_address"),
            Map.entry("new shipping address for my account", "change_address"));

    static List<MismatchedPairs.Approved> approved() {
        List<MismatchedPairs.Approved> out = new ArrayList<>();
        INTENTS.keySet().stream().sorted().forEach(m -> out.add(new MismatchedPairs.Approved(
                List.of(ChatMessage.system("Be kind."), ChatMessage.user(m)), "Answer to: " + m,
                Provenance.of("rating", m))));
        return out;
    }

    @Test
    void neverPairsTwoPromptsOfTheSameIntent() {
        PromptIntents intents = new PromptIntents(INTENTS);
        List<PreferenceExample> pairs = MismatchedPairs.of(approved(), 3, 11, intents);
        assertThat(pairs).hasSize(36);
        for (PreferenceExample p : pairs) {
            String rejectedFor = p.rejected().substring("Answer to: ".length());
            assertThat(intents.intentOf(p.prompt())).isPresent()
                    .isNotEqualTo(intents.intentOf(List.of(ChatMessage.user(rejectedFor))));
            assertThat(p.chosen()).isEqualTo("Answer to: " + PromptIntents.lastUserMessage(p.prompt()).orElseThrow());
            assertThat(p.provenance().kind()).isEqualTo(MismatchedPairs.KIND);
            assertThat(p.provenance().ids()).hasSize(2);
            assertThat(p.tie()).isFalse();
        }
    }

    @Test
    void isSeededAndDeterministic() {
        PromptIntents intents = new PromptIntents(INTENTS);
        assertThat(MismatchedPairs.of(approved(), 1.0, 5, intents))
                .isEqualTo(MismatchedPairs.of(approved(), 1.0, 5, intents)).hasSize(12);
        assertThat(MismatchedPairs.of(approved(), 1.0, 6, intents))
                .isNotEqualTo(MismatchedPairs.of(approved(), 1.0, 5, intents));
        // a share below one: that fraction of the answers, about
        assertThat(MismatchedPairs.of(approved(), 0.5, 5, intents).size()).isBetween(2, 10);
        assertThat(MismatchedPairs.of(approved(), 0, 5, intents)).isEmpty();
        assertThatThrownBy(() -> MismatchedPairs.of(approved(), -1, 5, intents))
                .hasMessageContaining(">= 0");
    }

    @Test
    void withoutIntentsNearIdenticalRequestsAreNeverPaired() {
        assertThat(MismatchedPairs.jaccard("Where is my order?", "where is my order")).isEqualTo(1.0);
        assertThat(MismatchedPairs.jaccard("where is my order", "cancel my order")).isCloseTo(2.0 / 5, within(1e-12));
        List<MismatchedPairs.Approved> approved = List.of(
                answer("Where is my order?", "It ships today."),
                answer("where is my order now", "It is on its way."),
                answer("Can I pay by card?", "Yes, every card."));
        List<PreferenceExample> pairs = MismatchedPairs.of(approved, 4, 3, PromptIntents.NONE);
        // the two questions about the order share four words of five: only the card question pairs with them
        assertThat(pairs).isNotEmpty().allSatisfy(p -> assertThat(p.chosen().equals("Yes, every card.")
                != p.rejected().equals("Yes, every card.")).isTrue());
        // an intent known on one side only: words decide
        PromptIntents one = new PromptIntents(Map.of("Where is my order?", "track_order"));
        assertThat(MismatchedPairs.differentKind(List.of(ChatMessage.user("Where is my order?")),
                List.of(ChatMessage.user("where is my order now")), one)).isFalse();
        assertThat(MismatchedPairs.differentKind(List.of(ChatMessage.user("Where is my order?")),
                List.of(ChatMessage.user("Can I pay by card?")), one)).isTrue();
    }

    @Test
    void approvedAnswersAreChosenAndThumbsUpAnswersOnce() {
        List<ChatMessage> q = List.of(ChatMessage.user("Where is my order?"));
        List<PreferenceExample> pairs = List.of(
                new PreferenceExample(q, "It ships today.", "No idea.", Provenance.of("pairwise", "1")),
                new PreferenceExample(q, "It ships today.", "Dunno.", Provenance.of("stars", "2")),
                PreferenceExample.tie(q, "Soon.", "Tomorrow.", Provenance.of("tie", "3")),
                new PreferenceExample(q, "Thanks.", "Other.", Provenance.of(MismatchedPairs.KIND, "4")));
        List<ThumbsExample> thumbs = List.of(
                new ThumbsExample(q, "On its way.", true, Provenance.of("rating", "5")),
                new ThumbsExample(q, "I like turtles.", false, Provenance.of("both_bad", "6")));
        assertThat(MismatchedPairs.approvedAnswers(pairs, thumbs)).extracting(MismatchedPairs.Approved::answer)
                .containsExactly("It ships today.", "On its way.");
    }

    @Test
    void bitextIntentsAreReadFromTheShippedFiles() {
        PromptIntents intents = PromptIntents.fromBitext(Fixtures.inRepository("data/bitext"));
        assertThat(intents.size()).isGreaterThan(1000);
        // the Bitext answers, paired: never two requests of one intent, though many share words
        List<MismatchedPairs.Approved> detailed = BitextImport.read(Fixtures.inRepository("data/bitext")).sft()
                .stream().limit(400).map(e -> new MismatchedPairs.Approved(e.prompt(), e.completion(), e.provenance()))
                .toList();
        List<PreferenceExample> pairs = MismatchedPairs.of(detailed, 1.0, 7, intents);
        assertThat(pairs.size()).isGreaterThan(390);
        Map<String, String> intentOfAnswer = new java.util.HashMap<>();
        detailed.forEach(a -> intentOfAnswer.put(a.answer(), intents.intentOf(a.prompt()).orElseThrow()));
        assertThat(pairs).allSatisfy(p -> assertThat(intentOfAnswer.get(p.rejected()))
                .isNotEqualTo(intentOfAnswer.get(p.chosen())));
    }

    private static MismatchedPairs.Approved answer(String message, String answer) {
        return new MismatchedPairs.Approved(List.of(ChatMessage.user(message)), answer, Provenance.of("rating", message));
    }
}
