package ai.kaizen.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.kaizen.model.config.Architecture;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.config.RopeScaling;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java decode step and the NDArray decode step compute the same logits, across the features
 * the Java step re-implements: GQA, q/k/v biases, Llama 3 RoPE scaling, left padding, batches.
 */
class DecodePathsTest {

    private static final ModelOptions JAVA = new ModelOptions(DataType.FLOAT32, null, DecodeKernel.JAVA);
    private static final ModelOptions TORCH = new ModelOptions(DataType.FLOAT32, null, DecodeKernel.TORCH);

    static Stream<LlamaConfig> configs() {
        return Stream.of(
                LlamaConfig.builder().hiddenSize(64).intermediateSize(160).numLayers(2).numHeads(8).numKvHeads(2)
                        .vocabSize(300).build(),
                LlamaConfig.builder().architecture(Architecture.QWEN2_CAUSAL_LM).hiddenSize(48).intermediateSize(96)
                        .numLayers(2).numHeads(6).numKvHeads(3).vocabSize(200).tieWordEmbeddings(true)
                        .ropeTheta(1e6).build(),
                LlamaConfig.builder().hiddenSize(64).intermediateSize(128).numLayers(2).numHeads(4).numKvHeads(1)
                        .vocabSize(100).ropeTheta(500000).maxPositionEmbeddings(4096)
                        .ropeScaling(new RopeScaling("llama3", 8, 1, 4, 64)).build(),
                // head dimensions 64 and 128, which the native attention keeps in registers
                LlamaConfig.builder().hiddenSize(128).intermediateSize(256).numLayers(2).numHeads(2).numKvHeads(1)
                        .vocabSize(100).build(),
                LlamaConfig.builder().hiddenSize(256).intermediateSize(256).numLayers(1).numHeads(2).numKvHeads(2)
                        .vocabSize(100).build());
    }

    @ParameterizedTest
    @MethodSource("configs")
    void javaAndNdArrayDecodeStepsAgree(LlamaConfig config) {
        try (LlamaModel a = LlamaModel.random(config, JAVA, 7); LlamaModel b = LlamaModel.random(config, TORCH, 7)) {
            for (LlamaModel m : new LlamaModel[] {a, b}) {
                for (Projection p : m.projections()) {
                    if (p.bias() != null) {
                        NDArray bias = p.bias().getArray();
                        bias.set(new NDIndex("..."), m.manager().randomNormal(0, 0.3f, bias.getShape(), DataType.FLOAT32)
                                .mul(0).add(0.05f));
                    }
                }
            }
            int[][] prompt = {{-1, -1, 5, 9, 12}, {3, 4, 5, 6, 7}, {-1, -1, -1, -1, 8}};
            try (KvCache ca = a.newCache(3, 40); KvCache cb = b.newCache(3, 40)) {
                float[][] la = a.nextTokenLogits(ca, prompt);
                float[][] lb = b.nextTokenLogits(cb, prompt);
                for (int step = 0; step < 12; step++) {
                    assertClose(la, lb);
                    int[][] next = {{(step * 7) % 50}, {(step * 11) % 50}, {(step * 13) % 50}};
                    la = a.nextTokenLogits(ca, next);
                    lb = b.nextTokenLogits(cb, next);
                }
                assertClose(la, lb);
                // a multi-token step after Java steps: the native cache catches up
                la = a.nextTokenLogits(ca, new int[][] {{1, 2}, {3, 4}, {5, 6}});
                lb = b.nextTokenLogits(cb, new int[][] {{1, 2}, {3, 4}, {5, 6}});
                assertClose(la, lb);
                la = a.nextTokenLogits(ca, new int[][] {{9}, {9}, {9}});
                lb = b.nextTokenLogits(cb, new int[][] {{9}, {9}, {9}});
                assertClose(la, lb);
            }
        }
    }

    /**
     * Prompts are read by the Java decoder where the native kernels load (every token a row of the products, each
     * attending to the tokens before it; the left-padded batch above too): the same logits as the NDArray network,
     * for a prompt read whole or in chunks, for batches (one longer than a pass of the Java prefill), and for the
     * one-token steps after it.
     */
    @ParameterizedTest
    @MethodSource("configs")
    void promptsReadWholeOrInChunksAgreeWithTheNdArrayNetwork(LlamaConfig config) {
        try (LlamaModel a = LlamaModel.random(config, JAVA, 11); LlamaModel b = LlamaModel.random(config, TORCH, 11)) {
            int[] prompt = new int[37];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = (i * 31 + 7) % config.vocabSize();
            }
            try (KvCache whole = a.newCache(1, 64); KvCache chunked = a.newCache(1, 64);
                    KvCache reference = b.newCache(1, 64)) {
                float[][] expected = b.nextTokenLogits(reference, new int[][] {prompt});
                assertClose(a.nextTokenLogits(whole, new int[][] {prompt}), expected);
                a.nextTokenLogits(chunked, new int[][] {Arrays.copyOfRange(prompt, 0, 16)});
                assertClose(a.nextTokenLogits(chunked, new int[][] {Arrays.copyOfRange(prompt, 16, 37)}),
                        expected);
                for (int step = 0; step < 5; step++) {
                    int[][] next = {{(step * 7 + 3) % 50}};
                    expected = b.nextTokenLogits(reference, next);
                    assertClose(a.nextTokenLogits(whole, next), expected);
                    assertClose(a.nextTokenLogits(chunked, next), expected);
                }
                // a second message after the answer: another multi-token read on a cache Java steps wrote
                int[][] more = {{4, 8, 15, 16, 23, 42}};
                expected = b.nextTokenLogits(reference, more);
                assertClose(a.nextTokenLogits(whole, more), expected);
                assertClose(a.nextTokenLogits(chunked, more), expected);
            }
            int[][] batch = {{5, 9, 12, 14, 2, 3}, {3, 4, 5, 6, 7, 8}};
            try (KvCache ca = a.newCache(2, 20); KvCache cb = b.newCache(2, 20)) {
                assertClose(a.nextTokenLogits(ca, batch), b.nextTokenLogits(cb, batch));
                for (int step = 0; step < 4; step++) {
                    int[][] next = {{(step * 7) % 50}, {(step * 11) % 50}};
                    assertClose(a.nextTokenLogits(ca, next), b.nextTokenLogits(cb, next));
                }
            }
            // longer than one pass of JavaDecoder.PREFILL_ROWS: read in passes of columns, one row left-padded
            int length = JavaDecoder.PREFILL_ROWS / 2 + 44;
            int[][] long2 = new int[2][length];
            for (int i = 0; i < length; i++) {
                long2[0][i] = i < 20 ? -1 : (i * 13 + 1) % config.vocabSize();
                long2[1][i] = (i * 29 + 5) % config.vocabSize();
            }
            try (KvCache ca = a.newCache(2, length + 8); KvCache cb = b.newCache(2, length + 8)) {
                assertClose(a.nextTokenLogits(ca, long2), b.nextTokenLogits(cb, long2));
                int[][] next = {{7}, {11}};
                assertClose(a.nextTokenLogits(ca, next), b.nextTokenLogits(cb, next));
            }
        }
    }

    /**
     * A cache that takes the arrays a closed cache left (stale keys and values, room for more
     * positions than it needs) decodes exactly as the first cache did.
     */
    @ParameterizedTest
    @MethodSource("configs")
    void aCacheReusingClosedCachesArraysDecodesTheSame(LlamaConfig config) {
        try (LlamaModel model = LlamaModel.random(config, JAVA, 7)) {
            int[][] prompt = {{-1, 5, 9, 12}, {3, 4, 5, 6}};
            float[][][] first = decode(model, prompt, 30);
            // another conversation fills the kept arrays with other keys and values
            decode(model, new int[][] {{7, 7, 7, 7}, {-1, -1, 2, 3}}, 100);
            float[][][] again = decode(model, prompt, 30);
            for (int step = 0; step < first.length; step++) {
                for (int r = 0; r < first[step].length; r++) {
                    assertThat(again[step][r]).containsExactly(first[step][r]);
                }
            }
        }
    }

    /**
     * Logits that reuse the cache's buffers are the same numbers as fresh ones, step after step, at
     * batch 1 (the product writes the row itself) and above (rows copied out of the flat product).
     */
    @ParameterizedTest
    @MethodSource("configs")
    void reusedLogitBuffersHoldEachStepsLogits(LlamaConfig config) {
        try (LlamaModel model = LlamaModel.random(config, JAVA, 7)) {
            for (int[][] prompt : new int[][][] {{{5, 9, 12}}, {{-1, 5, 9}, {3, 4, 5}, {-1, -1, 8}}}) {
                try (KvCache fresh = model.newCache(prompt.length, 20);
                        KvCache reused = model.newCache(prompt.length, 20)) {
                    model.nextTokenLogits(fresh, prompt);
                    model.nextTokenLogits(reused, prompt);
                    for (int step = 0; step < 6; step++) {
                        int[][] next = new int[prompt.length][1];
                        for (int r = 0; r < next.length; r++) {
                            next[r][0] = (step * 7 + r) % 50;
                        }
                        float[][] expected = model.nextTokenLogits(fresh, next);
                        float[][] actual = model.nextTokenLogitsReusing(reused, next);
                        for (int r = 0; r < expected.length; r++) {
                            assertThat(actual[r]).containsExactly(expected[r]);
                        }
                    }
                }
            }
        }
    }

    /** Greedy decoding of {@code steps} tokens in a cache of {@code capacity}: the logits of every step. */
    private static float[][][] decode(LlamaModel model, int[][] prompt, int capacity) {
        int steps = 20;
        float[][][] out = new float[steps][][];
        try (KvCache cache = model.newCache(prompt.length, capacity)) {
            float[][] logits = model.nextTokenLogits(cache, prompt);
            for (int step = 0; step < steps; step++) {
                out[step] = logits;
                int[][] next = new int[prompt.length][1];
                for (int r = 0; r < prompt.length; r++) {
                    for (int v = 1; v < logits[r].length; v++) {
                        if (logits[r][v] > logits[r][next[r][0]]) {
                            next[r][0] = v;
                        }
                    }
                }
                logits = model.nextTokenLogits(cache, next);
            }
        }
        return out;
    }

    private static void assertClose(float[][] a, float[][] b) {
        for (int r = 0; r < a.length; r++) {
            for (int v = 0; v < a[r].length; v++) {
                assertThat(a[r][v]).isCloseTo(b[r][v], within(2e-4f));
            }
        }
    }
}
