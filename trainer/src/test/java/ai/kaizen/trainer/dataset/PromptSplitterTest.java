package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class PromptSplitterTest {

    @Test
    void thePromptDecidesTheSplitWhateverItsHistoryCaseOrSpacing() {
        PromptSplitter splitter = new PromptSplitter(0.3, 42);
        Random random = new Random(1);
        Map<String, Split> seen = new HashMap<>();
        for (int i = 0; i < 5000; i++) {
            int question = random.nextInt(400);
            List<ChatMessage> prompt = new ArrayList<>();
            prompt.add(ChatMessage.system("You help customers."));
            if (random.nextBoolean()) { // earlier turns do not matter
                prompt.add(ChatMessage.user("hello " + random.nextInt()));
                prompt.add(ChatMessage.assistant("Hi!"));
            }
            String text = "Where is order " + question + "?";
            prompt.add(ChatMessage.user(random.nextBoolean() ? text : "  " + text.toUpperCase().replace(" ", "\t ")));
            Split split = splitter.splitOf(prompt);
            Split earlier = seen.putIfAbsent(PromptSplitter.key(prompt), split);
            assertThat(earlier).as("prompt %d", question).isIn(null, split);
        }
        // the same question under any history, case or spacing is one prompt
        assertThat(seen).hasSize(400);
        long held = seen.values().stream().filter(s -> s == Split.EVAL).count();
        assertThat(held).isBetween(80L, 160L); // 30% of 400 is 120
    }

    @Test
    void theSeedChangesTheSplitAndTheFractionsAreHonoured() {
        List<ChatMessage> prompt = List.of(ChatMessage.user("Where is my order?"));
        assertThat(new PromptSplitter(0, 1).splitOf(prompt)).isEqualTo(Split.TRAIN);
        assertThat(new PromptSplitter(1, 1).splitOf(prompt)).isEqualTo(Split.EVAL);
        int differ = 0;
        for (int i = 0; i < 200; i++) {
            List<ChatMessage> p = List.of(ChatMessage.user("question " + i));
            if (new PromptSplitter(0.5, 1).splitOf(p) != new PromptSplitter(0.5, 2).splitOf(p)) {
                differ++;
            }
        }
        assertThat(differ).isBetween(60, 140);
    }

    @Test
    void theSystemPromptIsPartOfThePrompt() {
        assertThat(PromptSplitter.key(List.of(ChatMessage.system("A"), ChatMessage.user("q"))))
                .isNotEqualTo(PromptSplitter.key(List.of(ChatMessage.system("B"), ChatMessage.user("q"))));
    }
}
