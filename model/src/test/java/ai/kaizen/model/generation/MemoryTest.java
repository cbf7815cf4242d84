package ai.kaizen.model.generation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A long-running server must not accumulate native arrays, whatever path a generation takes. */
class MemoryTest {

    static int liveArrays() {
        // every manager descends from the engine's system manager
        try (NDManager probe = NDManager.newBaseManager()) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }

    @Test
    void twoThousandGenerationsLeaveTheNumberOfLiveArraysUnchanged() {
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k())) {
            Generator g = lm.generator();
            int[] prompt = lm.tokenizer().encode("Once upon a time");
            List<int[]> batch = List.of(prompt, lm.tokenizer().encode("The cat"));
            GenerationOptions greedy = GenerationOptions.greedy(3);
            GenerationOptions sampled = GenerationOptions.builder().doSample(true).topP(0.9).topK(20).seed(1L)
                    .maxNewTokens(3).stopStrings(List.of("zz")).build();
            g.generate(prompt, greedy, TokenListener.NONE);
            int before = liveArrays();
            assertThat(before).isGreaterThan(5 * 7); // the weights are counted
            for (int i = 0; i < 2000; i++) {
                switch (i % 4) {
                    case 0:
                        g.generate(prompt, greedy, TokenListener.NONE);
                        break;
                    case 1:
                        g.generate(prompt, sampled, t -> true);
                        break;
                    case 2:
                        g.generateBatch(batch, greedy, TokenListener.NONE);
                        break;
                    default:
                        g.generate(prompt, greedy, t -> false); // cancelled after one token
                        break;
                }
            }
            assertThat(liveArrays()).isEqualTo(before);
        }
    }
}
