package ai.kaizen.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.tokenizer.Tokenizer;
import ai.kaizen.trainer.training.TokenizedExample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackedTextTest {

    @Test
    void packsDocumentsAfterSeparatorsIntoBlocksWhoseEveryTokenIsATarget() {
        try (Tokenizer t = Tokenizer.load(Fixtures.stories260k())) {
            List<String> docs = List.of("Once upon a time", "there was a cat", "and a dog.");
            int separator = 2;
            List<TokenizedExample> blocks = PackedText.pack(t, docs, separator, 8);
            List<Integer> expected = new ArrayList<>();
            for (String d : docs) {
                expected.add(separator);
                for (int id : t.encode(d, false)) {
                    expected.add(id);
                }
            }
            List<Integer> packed = new ArrayList<>();
            for (TokenizedExample b : blocks) {
                assertThat(b.length()).isLessThanOrEqualTo(8);
                assertThat(b.targetCount()).isEqualTo(b.length() - 1);
                for (int id : b.ids()) {
                    packed.add(id);
                }
            }
            // a last block of one token would have nothing to predict: it is dropped
            int kept = expected.size() % 8 == 1 ? expected.size() - 1 : expected.size();
            assertThat(packed).isEqualTo(expected.subList(0, kept));
            assertThat(blocks.subList(0, blocks.size() - 1)).allMatch(b -> b.length() == 8);
        }
    }
}
