import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.Sampler;

import java.util.Random;

/**
 * What choosing one token costs per row of a 32,000-token vocabulary (stories110M's), at the server's sampling settings
 * (temperature 0.8, top-p 0.95), on flat logits as random weights give; and what the pass that the log-probability
 * used to make on its own (the maximum, the exp sum and a fresh array of weights) cost on top.
 *
 * <pre>
 * mvn -q -DskipTests package
 * javac -cp model/target/classes -d /tmp/sampler-cost docs/measurements/SamplerCost.java
 * java -cp model/target/classes:/tmp/sampler-cost SamplerCost
 * </pre>
 */
public class SamplerCost {
    public static void main(String[] args) {
        int n = 32_000;
        Random random = new Random(1);
        float[][] rows = new float[64][n];
        for (float[] row : rows) {
            for (int i = 0; i < n; i++) {
                row[i] = (float) (random.nextGaussian() * 3);
            }
        }
        Sampler sampler = new Sampler(GenerationOptions.builder().doSample(true).temperature(0.8).topP(0.95)
                .maxNewTokens(8).build());
        Random draws = new Random(2);
        double sink = 0;
        for (int round = 0; round < 7; round++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < 2000; k++) {
                sink += sampler.choose(rows[k % 64], new int[0], 0, draws).logprob();
            }
            long t1 = System.nanoTime();
            for (int k = 0; k < 2000; k++) {
                float[] l = rows[k % 64];
                double[] weights = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (float v : l) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (float v : l) {
                    sum += Math.exp((v - max) / 0.8);
                }
                sink += sum + weights[k % n];
            }
            long t2 = System.nanoTime();
            System.out.printf("choose: %.0f us per row; the separate log-probability pass: %.0f us per row%n",
                    (t1 - t0) / 2000e3, (t2 - t1) / 2000e3);
        }
        System.out.println(sink > 0 ? "" : "-");
    }
}
