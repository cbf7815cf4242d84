package ai.kaizen.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChatTokenizationTest {

    static Tokenizer tokenizer;

    static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are a helpful shop assistant."),
            ChatMessage.user("Where is my order?"),
            ChatMessage.assistant("It ships tomorrow."),
            ChatMessage.user("Thanks! Can I change the address?"),
            ChatMessage.assistant("Yes, until it ships."));

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.stories260k());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** @return [start, end) runs of true */
    static List<int[]> spans(boolean[] mask) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] && (i == 0 || !mask[i - 1])) {
                int j = i;
                while (j < mask.length && mask[j]) {
                    j++;
                }
                out.add(new int[] {i, j});
            }
        }
        return out;
    }

    @Test
    void onlyTheAssistantTurnsAndTheirEndMarkersAreTargets() {
        TokenizedExample t = new ChatTokenization(tokenizer, 1024).tokenize(CONVERSATION);

        assertThat(t.ids()).containsExactly(tokenizer.encodeChat(CONVERSATION, false));
        List<int[]> spans = spans(t.assistant());
        assertThat(spans).hasSize(2);
        String first = tokenizer.decode(t.ids(), spans.get(0)[0], spans.get(0)[1], false);
        String second = tokenizer.decode(t.ids(), spans.get(1)[0], spans.get(1)[1], false);
        assertThat(first.strip()).isEqualTo("It ships tomorrow.<|im_end|>");
        assertThat(second.strip()).isEqualTo("Yes, until it ships.<|im_end|>");
        // what comes before each span is exactly the prompt the model sees when asked to answer
        int[] prompt = tokenizer.encodeChat(CONVERSATION.subList(0, 2), true);
        assertThat(spans.get(0)[0]).isEqualTo(prompt.length);
        String before = tokenizer.decode(t.ids(), 0, spans.get(1)[0], false);
        assertThat(before).endsWith("<|im_start|>assistant\n");
        assertThat(before).doesNotContain("Yes, until");
        assertThat(t.targetCount()).isEqualTo((spans.get(0)[1] - spans.get(0)[0]) + (spans.get(1)[1] - spans.get(1)[0]));
    }

    @Test
    void truncationKeepsTheStartAndItsMask() {
        TokenizedExample full = new ChatTokenization(tokenizer, 1024).tokenize(CONVERSATION);
        int[] firstSpan = spans(full.assistant()).get(0);
        int cut = firstSpan[0] + 3;
        TokenizedExample t = new ChatTokenization(tokenizer, cut).tokenize(CONVERSATION);

        assertThat(t.length()).isEqualTo(cut);
        for (int i = 0; i < cut; i++) {
            assertThat(t.ids()[i]).isEqualTo(full.ids()[i]);
            assertThat(t.assistant()[i]).isEqualTo(full.assistant()[i]);
        }
        assertThat(t.targetCount()).isEqualTo(3);
        TokenizedExample promptOnly = new ChatTokenization(tokenizer, firstSpan[0]).tokenize(CONVERSATION);
        assertThat(promptOnly.targetCount()).isZero();
    }
}
