package ai.kaizen.trainer.starter;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.sft.TestData;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Multi-turn training conversations: every training message, none held out, within the context. */
class StarterConversationsTest {

    /** Words as a stand-in for tokens: the builder only needs an estimate. */
    private static final StarterConversations BUILDER = new StarterConversations(512,
            text -> text.split("\\s+").length);

    @Test
    void everyTrainingMessageAppearsOncePerRoundAndNoHeldOutMessageAppears() {
        StarterData data = StarterData.of(StarterCorpus.load(TestData.data("")), StarterRecipe.SEED);
        List<SftExample> conversations = BUILDER.training(data.trainDetailed(), data.corpus().dialogs(),
                data.split()::isHeldOut, 1, 3);
        assertThat(conversations.size()).isBetween(200, 5000);
        String all = conversations.stream().flatMap(c -> c.messages().stream()).map(ChatMessage::content)
                .collect(Collectors.joining("\n"));
        Set<String> held = data.heldOutDetailed().stream().map(LabelledRow::instruction).collect(Collectors.toSet());
        for (SftExample c : conversations) {
            for (ChatMessage m : c.messages()) {
                if (m.role().equals("user")) {
                    assertThat(held).doesNotContain(m.content());
                }
            }
        }
        // messages without a value appear verbatim (inside a long message at most)
        long plain = data.trainDetailed().stream().filter(r -> !CustomerFacts.carriesValue(r)).count();
        long found = data.trainDetailed().stream().filter(r -> !CustomerFacts.carriesValue(r))
                .filter(r -> all.contains(r.instruction())).count();
        assertThat(found).isEqualTo(plain);
    }

    @Test
    void conversationsAlternateEndWithAnAnswerAndStayWithinTheContext() {
        StarterData data = StarterData.of(StarterCorpus.load(TestData.data("")), StarterRecipe.SEED);
        List<SftExample> conversations = BUILDER.training(data.trainDetailed(), data.corpus().dialogs(),
                data.split()::isHeldOut, 1, 4);
        Set<Integer> turns = new HashSet<>();
        int carryOvers = 0;
        for (SftExample c : conversations) {
            List<ChatMessage> m = c.messages();
            int first = m.get(0).role().equals("system") ? 1 : 0;
            int words = 0;
            for (int i = 0; i < m.size(); i++) {
                words += m.get(i).content().split("\\s+").length + 5;
                if (i >= first) {
                    assertThat(m.get(i).role()).isEqualTo((i - first) % 2 == 0 ? "user" : "assistant");
                }
                if (m.get(i).content().contains("I mentioned")) {
                    carryOvers++;
                }
            }
            assertThat(words).isLessThanOrEqualTo(512);
            turns.add((m.size() - first) / 2);
        }
        assertThat(turns.stream().mapToInt(Integer::intValue).max().orElseThrow()).isGreaterThan(4);
        assertThat(carryOvers).isGreaterThan(50);
    }

    @Test
    void longMessagesEndOrSitAroundTheRequestAndHeldOutSentencesAreNotTrainingOnes() {
        String m = StarterConversations.longMessage("I want to cancel my order", new java.util.Random(2), false);
        assertThat(m).contains("I want to cancel my order");
        assertThat(m.length()).isGreaterThan("I want to cancel my order".length() + 20);
        assertThat(StarterConversations.HELD_OUT_CONTEXT).doesNotContainAnyElementsOf(
                StarterConversations.TRAIN_CONTEXT);
    }
}
