package ai.kaizen.model.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import ai.kaizen.model.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** stories260K, greedy, float32: the 48 ids of the reference C implementation, with either decode kernel. */
class GoldenTest {

    static final int[] PROMPT = {1, 403, 407, 261, 378};
    static final int[] GOLDEN = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410,
        408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388,
        426, 338, 391, 266, 267, 337, 335, 312, 432};

    @ParameterizedTest
    @EnumSource(value = DecodeKernel.class, names = {"JAVA", "TORCH"})
    void greedyDecodingWithTheCacheReproducesTheReferenceIds(DecodeKernel kernel) {
        ModelOptions options = new ModelOptions(DataType.FLOAT32, null, kernel);
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260k(), options);
                KvCache cache = model.newCache(1, PROMPT.length + GOLDEN.length)) {
            assertThat(model.useJavaKernel(1)).isEqualTo(kernel == DecodeKernel.JAVA);
            int[] out = new int[GOLDEN.length];
            float[][] logits = model.nextTokenLogits(cache, new int[][] {PROMPT});
            for (int i = 0; i < GOLDEN.length; i++) {
                int next = argmax(logits[0]);
                out[i] = next;
                if (i + 1 < GOLDEN.length) {
                    logits = model.nextTokenLogits(cache, new int[][] {{next}});
                }
            }
            assertThat(out).containsExactly(GOLDEN);
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
