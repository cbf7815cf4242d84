package ai.kaizen.trainer.pairwise;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.Tokenizer;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.training.TokenizedExample;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PairTokenizationTest {

    static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.stories260k());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    static final List<ChatMessage> PROMPT = List.of(ChatMessage.user("Where is my order? It was due on Monday."));

    @Test
    void marksTheAnswerAndKeepsTheEndOfALongPrompt() {
        TokenizedExample whole = new PairTokenization(tokenizer, 1000, 1000).tokenize(PROMPT, "On its way.");
        int promptLength = 0;
        while (!whole.assistant()[promptLength]) {
            promptLength++;
        }
        int answerLength = whole.targetCount();
        assertThat(answerLength).isPositive();
        // everything after the prompt is answer (and end-of-turn) tokens
        assertThat(promptLength + answerLength).isEqualTo(whole.length());

        TokenizedExample cut = new PairTokenization(tokenizer, 1000, 5).tokenize(PROMPT, "On its way.");
        assertThat(cut.length()).isEqualTo(5 + answerLength);
        // the last five prompt tokens survive, then the whole answer
        assertThat(cut.ids()).isEqualTo(Arrays.copyOfRange(whole.ids(), promptLength - 5, whole.length()));

        TokenizedExample capped = new PairTokenization(tokenizer, promptLength + 2, 1000).tokenize(PROMPT,
                "On its way.");
        assertThat(capped.length()).isEqualTo(promptLength + 2);
        assertThat(capped.targetCount()).isEqualTo(2);
    }

    @Test
    void dropsPairsWhoseAnswerIsCutAway() {
        PairTokenization tokenization = new PairTokenization(tokenizer, 6, 1000);
        List<TokenizedPair> pairs = tokenization.tokenize(List.of(new PreferenceExample(PROMPT, "Yes.", "No.",
                Provenance.NONE, 1.5)));
        assertThat(pairs).isEmpty();
        List<TokenizedPair> kept = new PairTokenization(tokenizer, 1000, 1000).tokenize(List.of(
                new PreferenceExample(PROMPT, "Yes.", "No.", Provenance.NONE, 1.5)));
        assertThat(kept).hasSize(1);
        assertThat(kept.get(0).margin()).isEqualTo(1.5);
    }
}
