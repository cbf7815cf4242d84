package ai.kaizen.model.generation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.DecodeKernel;
import ai.kaizen.model.llama.ModelOptions;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A long-running server must not accumulate native arrays, whatever path a generation takes. */
class MemoryTest {

    static int liveArrays() {
        // every manager descends from the engine's system manager
        try (NDManager probe = NDManager.newBaseManager()) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }

    /** 1,000 generations per decode path, 2,000 in all. */
    @ParameterizedTest
    @EnumSource(value = DecodeKernel.class, names = {"JAVA", "TORCH"})
    void generationsLeaveTheNumberOfLiveArraysUnchanged(DecodeKernel kernel) {
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k(),
                new ModelOptions(DataType.FLOAT32, null, kernel))) {
            Generator g = lm.generator();
            int[] prompt = lm.tokenizer().encode("Once upon a time");
            List<int[]> batch = List.of(prompt, lm.tokenizer().encode("The cat"));
            int[] longPrompt = lm.tokenizer().encode("Once upon a time there was a little girl named Lily who loved");
            GenerationOptions greedy = GenerationOptions.greedy(3);
            GenerationOptions sampled = GenerationOptions.builder().doSample(true).topP(0.9).topK(20).seed(1L)
                    .maxNewTokens(3).stopStrings(List.of("zz")).build();
            // warm-up: every path once (lazy tables and views are made on first use)
            g.generate(prompt, greedy, TokenListener.NONE);
            g.generate(longPrompt, greedy, TokenListener.NONE);
            g.generateBatch(batch, greedy, TokenListener.NONE);
            int before = liveArrays();
            assertThat(before).isGreaterThan(5 * 7); // the weights are counted
            for (int i = 0; i < 1000; i++) {
                switch (i % 5) {
                    case 0:
                        g.generate(prompt, greedy, TokenListener.NONE);
                        break;
                    case 1:
                        g.generate(prompt, sampled, t -> true);
                        break;
                    case 2:
                        g.generateBatch(batch, greedy, TokenListener.NONE);
                        break;
                    case 3:
                        g.generate(longPrompt, greedy, TokenListener.NONE); // prefill above the Java kernel's rows
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
