package ai.kaizen.model.generation;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {

    private static float[] logits(int n, long seed) {
        Random random = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) (random.nextGaussian() * 3);
        }
        return l;
    }

    /** log softmax(logits / t)[token], in the plainest way. */
    private static double logSoftmax(float[] logits, int token, double t) {
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l / t);
        }
        return logits[token] / t - Math.log(sum);
    }

    @Test
    void theLogprobOfASampledTokenIsItsLogSoftmaxAtTheTemperature() {
        Sampler sampler = new Sampler(GenerationOptions.builder().doSample(true).temperature(0.7).topP(0.9)
                .maxNewTokens(8).build());
        Random random = new Random(3);
        for (int step = 0; step < 20; step++) {
            float[] l = logits(step % 2 == 0 ? 500 : 320, step); // the kept weights change size too
            Sampler.Choice choice = sampler.choose(l, new int[0], 0, random);
            assertThat((double) choice.logprob()).isCloseTo(logSoftmax(l, choice.token(), 0.7), within(1e-4));
        }
    }

    @Test
    void withARepetitionPenaltyTheLogprobIsStillOfTheRawLogits() {
        Sampler sampler = new Sampler(GenerationOptions.builder().doSample(true).temperature(1.0)
                .repetitionPenalty(1.3).maxNewTokens(8).build());
        float[] l = logits(200, 9);
        int[] history = {1, 2, 3, 4, 5};
        Sampler.Choice choice = sampler.choose(l, history, history.length, new Random(5));
        assertThat((double) choice.logprob()).isCloseTo(logSoftmax(l, choice.token(), 1.0), within(1e-4));
    }

    @Test
    void greedyTakesTheMostLikelyTokenWithItsLogprobAtTemperatureOne() {
        Sampler sampler = new Sampler(GenerationOptions.builder().doSample(false).maxNewTokens(8).build());
        float[] l = logits(300, 4);
        Sampler.Choice choice = sampler.choose(l, new int[0], 0, new Random(1));
        assertThat(choice.token()).isEqualTo(Sampler.argmax(l));
        assertThat((double) choice.logprob()).isCloseTo(logSoftmax(l, choice.token(), 1.0), within(1e-4));
    }

    @Test
    void aSamplerReusedAcrossTokensChoosesAsAFreshOneWould() {
        GenerationOptions options = GenerationOptions.builder().doSample(true).temperature(0.8).topK(50)
                .maxNewTokens(8).build();
        Sampler reused = new Sampler(options);
        for (int step = 0; step < 30; step++) {
            float[] l = logits(step % 3 == 0 ? 250 : 400, 100 + step); // its kept weights change size too
            Sampler.Choice fresh = new Sampler(options).choose(l, new int[0], 0, new Random(step));
            assertThat(reused.choose(l, new int[0], 0, new Random(step))).isEqualTo(fresh);
        }
    }

    @Test
    void tokensAreSortedByWeightAsAStableSortOfBoxedIdsWould() {
        Random random = new Random(8);
        for (int n : new int[] {0, 1, 2, 3, 7, 64, 1000, 4097}) {
            double[] p = new double[n + 5];
            for (int i = 0; i < p.length; i++) {
                p[i] = random.nextInt(20) / 20.0; // many equal weights
            }
            int[] ids = random.ints(n, 0, p.length).toArray();
            Integer[] boxed = Arrays.stream(ids).boxed().toArray(Integer[]::new);
            Arrays.sort(boxed, (a, b) -> Double.compare(p[b], p[a]));

            Sampler.sortByWeight(ids, p);
            assertThat(ids).containsExactly(Arrays.stream(boxed).mapToInt(Integer::intValue).toArray());
        }
    }
}
