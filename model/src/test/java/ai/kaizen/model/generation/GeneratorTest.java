package ai.kaizen.model.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.BatchedDecoder;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.KvCache;
import ai.kaizen.model.llama.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    static final int[] PROMPT = {1, 403, 407, 261, 378};
    static final int[] GOLDEN = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410,
        408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388,
        426, 338, 391, 266, 267, 337, 335, 312, 432};
    static final String GOLDEN_TEXT = ", there was a little girl named Lily. She loved to play outside in the park. "
            + "One day, she saw a big, red ball. She wanted to play with it,";

    private static LanguageModel lm;
    private static Generator generator;

    @BeforeAll
    static void load() {
        lm = LanguageModel.load(Fixtures.stories260k());
        generator = lm.generator();
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    @Test
    void sequencesInCachesOfTheirOwnDecodeTogetherAsEachAlone() {
        List<String> texts = List.of("Once upon a time", "The dog ran to the park and saw", "Lily");
        List<int[]> prompts = texts.stream().map(t -> lm.tokenizer().encode(t)).toList();
        GenerationOptions options = GenerationOptions.greedy(24);
        LlamaModel network = lm.network();
        BatchedDecoder decoder = network.newBatchedDecoder();
        List<DecodingSequence> sequences = new ArrayList<>();
        List<KvCache> caches = new ArrayList<>();
        try {
            for (int step = 0; step < 40; step++) {
                if (step % 5 == 0 && step / 5 < prompts.size()) { // one joins every five steps, prefilled alone
                    int[] p = prompts.get(step / 5);
                    DecodingSequence s = generator.newSequence(step / 5, p, options);
                    KvCache cache = network.newCache(1, p.length + s.maxNewTokens());
                    s.offer(network.nextTokenLogits(cache, new int[][] {p})[0], TokenListener.NONE);
                    sequences.add(s);
                    caches.add(cache);
                }
                List<KvCache> running = new ArrayList<>();
                List<DecodingSequence> alive = new ArrayList<>();
                for (int i = 0; i < sequences.size(); i++) {
                    if (!sequences.get(i).finished()) {
                        running.add(caches.get(i));
                        alive.add(sequences.get(i));
                    }
                }
                if (running.isEmpty()) {
                    continue;
                }
                float[][] logits = decoder.step(running, alive.stream().mapToInt(DecodingSequence::lastToken).toArray());
                for (int i = 0; i < alive.size(); i++) {
                    alive.get(i).offer(logits[i], TokenListener.NONE);
                }
            }
            assertThat(sequences).hasSize(3);
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(sequences.get(i).finished()).isTrue();
                assertThat(sequences.get(i).result().tokenIds())
                        .containsExactly(generator.generate(prompts.get(i), options, TokenListener.NONE).tokenIds());
            }
        } finally {
            caches.forEach(KvCache::close);
        }
    }

    @Test
    void greedyGoldenIdsTextAndStreamedDeltas() {
        StringBuilder streamed = new StringBuilder();
        List<Integer> streamedIds = new ArrayList<>();
        GenerationResult r = generator.generate("Once upon a time", GenerationOptions.greedy(48), t -> {
            assertThat(t.sequence()).isZero();
            assertThat(t.index()).isEqualTo(streamedIds.size());
            streamedIds.add(t.tokenId());
            streamed.append(t.text());
            return true;
        });
        assertThat(r.promptIds()).containsExactly(PROMPT);
        assertThat(r.tokenIds()).containsExactly(GOLDEN);
        assertThat(r.text()).isEqualTo(GOLDEN_TEXT);
        assertThat(streamed.toString()).isEqualTo(GOLDEN_TEXT);
        assertThat(streamedIds).hasSize(48);
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(r.logprobs()).hasSize(48);
        for (float l : r.logprobs()) {
            assertThat(l).isLessThanOrEqualTo(0f);
        }
    }

    @Test
    void cachedDecodingEqualsFullSequenceRecomputation() {
        LlamaModel model = lm.network();
        int[] all = concat(PROMPT, GOLDEN);
        float[][] cached = new float[GOLDEN.length][];
        try (KvCache cache = model.newCache(1, all.length)) {
            cached[0] = model.nextTokenLogits(cache, new int[][] {PROMPT})[0];
            for (int i = 1; i < GOLDEN.length; i++) {
                cached[i] = model.nextTokenLogits(cache, new int[][] {{GOLDEN[i - 1]}})[0];
            }
        }
        try (NDManager m = model.manager().newSubManager()) {
            NDArray ids = m.create(Arrays.stream(all).asLongStream().toArray(), new Shape(1, all.length));
            try (ForwardOutput out = model.forward(ids, null, false)) {
                assertThat(out.logits().getShape()).isEqualTo(new Shape(1, all.length, 512));
                assertThat(out.hidden().getShape()).isEqualTo(new Shape(1, all.length, 64));
                for (int i = 0; i < GOLDEN.length; i++) {
                    float[] full = out.logits().get(new NDIndex("0, {}, :", PROMPT.length - 1 + i)).toFloatArray();
                    for (int v = 0; v < full.length; v++) {
                        assertThat(cached[i][v]).isCloseTo(full[v], within(1e-4f));
                    }
                }
            }
        }
    }

    @Test
    void logprobsMatchTheFullForwardPass() {
        GenerationResult r = generator.generate(PROMPT, GenerationOptions.greedy(10), TokenListener.NONE);
        LlamaModel model = lm.network();
        int[] all = r.allIds();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray ids = m.create(Arrays.stream(all).asLongStream().toArray(), new Shape(1, all.length));
            try (ForwardOutput out = model.forward(ids, null, false)) {
                NDArray logp = out.logits().logSoftmax(2);
                for (int i = 0; i < r.tokenIds().length; i++) {
                    float expected = logp.getFloat(0, PROMPT.length - 1 + i, r.tokenIds()[i]);
                    assertThat(r.logprobs()[i]).isCloseTo(expected, within(1e-4f));
                }
            }
        }
    }

    @Test
    void batchedGenerationWithLeftPaddingEqualsOneByOne() {
        List<String> prompts = List.of("Once upon a time", "The cat", "Lily and Tom went to the park to play with a",
                "One day, a big dog");
        List<int[]> ids = new ArrayList<>();
        for (String p : prompts) {
            ids.add(lm.tokenizer().encode(p));
        }
        GenerationOptions options = GenerationOptions.greedy(40);
        List<StringBuilder> streamed = List.of(new StringBuilder(), new StringBuilder(), new StringBuilder(),
                new StringBuilder());
        List<GenerationResult> batched = generator.generateBatch(ids, options, t -> {
            streamed.get(t.sequence()).append(t.text());
            return true;
        });
        for (int i = 0; i < prompts.size(); i++) {
            GenerationResult alone = generator.generate(ids.get(i), options, TokenListener.NONE);
            assertThat(batched.get(i).tokenIds()).as(prompts.get(i)).containsExactly(alone.tokenIds());
            assertThat(batched.get(i).text()).isEqualTo(alone.text());
            assertThat(streamed.get(i).toString()).isEqualTo(alone.text());
            for (int k = 0; k < alone.logprobs().length; k++) {
                assertThat(batched.get(i).logprobs()[k]).isCloseTo(alone.logprobs()[k], within(1e-4f));
            }
        }
    }

    @Test
    void sequencesOfABatchFinishIndependently() {
        // "." (id 426) ends sequences at different steps
        GenerationOptions options = GenerationOptions.builder().maxNewTokens(40).stopTokenIds(Set.of(426)).build();
        List<int[]> ids = List.of(lm.tokenizer().encode("Once upon a time"), lm.tokenizer().encode("The cat"));
        List<GenerationResult> batched = generator.generateBatch(ids, options, TokenListener.NONE);
        for (int i = 0; i < ids.size(); i++) {
            GenerationResult alone = generator.generate(ids.get(i), options, TokenListener.NONE);
            assertThat(batched.get(i).tokenIds()).containsExactly(alone.tokenIds());
            assertThat(batched.get(i).finishReason()).isEqualTo(FinishReason.EOS);
            int[] t = batched.get(i).tokenIds();
            assertThat(t[t.length - 1]).isEqualTo(426);
            assertThat(batched.get(i).text()).doesNotContain(".");
        }
        assertThat(batched.get(0).tokenIds()).hasSize(11);
    }

    @Test
    void stopStringsEndTheTextAndAreNeverStreamed() {
        StringBuilder streamed = new StringBuilder();
        GenerationOptions options = GenerationOptions.builder().maxNewTokens(48).stopStrings(List.of("Lily.", "zzz"))
                .build();
        GenerationResult r = generator.generate("Once upon a time", options, t -> {
            streamed.append(t.text());
            assertThat(streamed.toString()).doesNotContain("Lily");
            return true;
        });
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP_STRING);
        assertThat(r.text()).isEqualTo(", there was a little girl named ");
        assertThat(streamed.toString()).isEqualTo(r.text());
    }

    @Test
    void aListenerCanCancel() {
        GenerationResult r = generator.generate("Once upon a time", GenerationOptions.greedy(48),
                t -> t.index() < 4);
        assertThat(r.tokenIds()).hasSize(5);
        assertThat(r.finishReason()).isEqualTo(FinishReason.CANCELLED);
    }

    @Test
    void samplingIsReproducibleWithASeed() {
        GenerationOptions a = GenerationOptions.builder().doSample(true).temperature(1.0).topP(0.9).topK(40)
                .seed(7L).maxNewTokens(30).build();
        GenerationResult first = generator.generate("Once upon a time", a, TokenListener.NONE);
        GenerationResult again = generator.generate("Once upon a time", a, TokenListener.NONE);
        assertThat(again.tokenIds()).containsExactly(first.tokenIds());
        boolean anyDifferent = false;
        for (long seed = 8; seed < 12 && !anyDifferent; seed++) {
            GenerationResult other = generator.generate("Once upon a time",
                    a.toBuilder().seed(seed).temperature(1.5).build(), TokenListener.NONE);
            anyDifferent = !Arrays.equals(other.tokenIds(), first.tokenIds());
        }
        assertThat(anyDifferent).isTrue();
        GenerationResult topOne = generator.generate("Once upon a time",
                GenerationOptions.builder().doSample(true).topK(1).seed(3L).maxNewTokens(20).build(),
                TokenListener.NONE);
        assertThat(topOne.tokenIds()).containsExactly(Arrays.copyOf(GOLDEN, 20));
    }

    @Test
    void repetitionPenaltyChangesGreedyOutput() {
        GenerationResult plain = generator.generate("Once upon a time", GenerationOptions.greedy(48),
                TokenListener.NONE);
        GenerationResult penalised = generator.generate("Once upon a time",
                GenerationOptions.builder().maxNewTokens(48).repetitionPenalty(1.5).build(), TokenListener.NONE);
        assertThat(penalised.tokenIds()).isNotEqualTo(plain.tokenIds());
    }

    @Test
    void concurrentGenerationsDoNotInterfere() throws Exception {
        List<String> prompts = List.of("Once upon a time", "The cat", "One day, a big dog", "Lily and Tom");
        List<GenerationResult> sequential = new ArrayList<>();
        for (String p : prompts) {
            sequential.add(generator.generate(p, GenerationOptions.greedy(30), TokenListener.NONE));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<GenerationResult>> futures = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (String p : prompts) {
                    futures.add(pool.submit(() -> generator.generate(p, GenerationOptions.greedy(30),
                            TokenListener.NONE)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get().tokenIds()).containsExactly(sequential.get(i % 4).tokenIds());
            }
        } finally {
            pool.shutdown();
        }
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
