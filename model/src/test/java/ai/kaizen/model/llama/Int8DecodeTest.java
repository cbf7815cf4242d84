package ai.kaizen.model.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import ai.kaizen.model.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * stories260K decoded with int8 weights against the same model in float32, with whichever kernel
 * loads (the Maven build runs this again with the Java kernel): teacher-forced logits along the
 * reference continuation, and greedy generation.
 */
class Int8DecodeTest {

    private static final ModelOptions FLOAT32 = new ModelOptions(DataType.FLOAT32, null, DecodeKernel.JAVA);
    private static final ModelOptions INT8 = FLOAT32.withInt8Decode(true);

    @Test
    void logitsStayCloseToFloat32AlongTheReferenceContinuation() {
        try (LlamaModel f32 = LlamaModel.load(Fixtures.stories260k(), FLOAT32);
                LlamaModel int8 = LlamaModel.load(Fixtures.stories260k(), INT8);
                KvCache cf = f32.newCache(1, 64);
                KvCache ci = int8.newCache(1, 64)) {
            assertThat(int8.useJavaKernel(1)).isTrue();
            float[][] lf = f32.nextTokenLogits(cf, new int[][] {GoldenTest.PROMPT});
            float[][] li = int8.nextTokenLogits(ci, new int[][] {GoldenTest.PROMPT});
            int agree = 0;
            double maxDiff = 0;
            double maxLogit = 0;
            double sumDiff = 0;
            long count = 0;
            for (int step = 0; step < GoldenTest.GOLDEN.length; step++) {
                if (GoldenTest.argmax(lf[0]) == GoldenTest.argmax(li[0])) {
                    agree++;
                }
                for (int v = 0; v < lf[0].length; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(lf[0][v] - li[0][v]));
                    maxLogit = Math.max(maxLogit, Math.abs(lf[0][v]));
                    sumDiff += Math.abs(lf[0][v] - li[0][v]);
                    count++;
                }
                int next = GoldenTest.GOLDEN[step]; // both read the same tokens
                lf = f32.nextTokenLogits(cf, new int[][] {{next}});
                li = int8.nextTokenLogits(ci, new int[][] {{next}});
            }
            System.out.printf("int8 vs float32 on stories260K (%s): top-1 agreement %d/%d, |logit difference| max %.4f,"
                    + " mean %.4f (largest |logit| %.2f)%n", int8.decodeKernelName(1), agree, GoldenTest.GOLDEN.length,
                    maxDiff, sumDiff / count, maxLogit);
            // measured: 48/48, max 0.254, mean 0.051 (logits up to 22), both kernels; the bounds leave room for the
            // other kernel's order of additions, not for a broken product (a wrong block scale moves
            // logits by whole units)
            assertThat(agree).isGreaterThanOrEqualTo(GoldenTest.GOLDEN.length - 1);
            assertThat(maxDiff).isLessThan(0.4);
            assertThat(sumDiff / count).isLessThan(0.08);
        }
    }

    @Test
    void greedyGenerationFollowsTheReference() {
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260k(), INT8);
                KvCache cache = model.newCache(1, GoldenTest.PROMPT.length + GoldenTest.GOLDEN.length)) {
            int[] out = new int[GoldenTest.GOLDEN.length];
            float[][] logits = model.nextTokenLogits(cache, new int[][] {GoldenTest.PROMPT});
            for (int i = 0; i < out.length; i++) {
                out[i] = GoldenTest.argmax(logits[0]);
                logits = model.nextTokenLogits(cache, new int[][] {{out[i]}});
            }
            int same = 0;
            while (same < out.length && out[same] == GoldenTest.GOLDEN[same]) {
                same++;
            }
            System.out.printf("int8 greedy on stories260K: the first %d of %d ids equal float32's%n", same, out.length);
            assertThat(same).isGreaterThanOrEqualTo(16);
        }
    }
}
