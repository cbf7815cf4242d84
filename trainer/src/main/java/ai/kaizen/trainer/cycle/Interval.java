package ai.kaizen.trainer.cycle;

import java.util.Arrays;
import java.util.Random;

/**
 * A 95% confidence interval, and the three ways the evaluation gate makes one: Wilson's score interval for a
 * proportion, Hanley and McNeil's for an AUC, and a percentile bootstrap for a mean difference.
 *
 * @param low  lower end
 * @param high upper end
 */
public record Interval(double low, double high) {

    /** The normal quantile of a two-sided 95% interval. */
    static final double Z = 1.959963984540054;
    /** Bootstrap resamples: enough for stable 2.5% and 97.5% percentiles. */
    static final int RESAMPLES = 2000;

    /** Whether the whole interval lies above {@code value}. */
    public boolean above(double value) {
        return low > value;
    }

    /**
     * Wilson's score interval for {@code successes} out of {@code n} (Wilson 1927). Unlike the textbook
     * {@code p ± 1.96 sqrt(p(1-p)/n)} it stays inside [0, 1] and keeps its coverage for small n and for rates near
     * 0 or 1, which is where a gate with a few dozen prompts lives. A success may be fractional (a tie counted as
     * half a win).
     *
     * @return the interval; [0, 1] when n is 0 (nothing is known)
     */
    public static Interval wilson(double successes, int n) {
        if (n <= 0) {
            return new Interval(0, 1);
        }
        double p = successes / n;
        double z2 = Z * Z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = Z / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new Interval(Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /**
     * Hanley and McNeil's (1982) interval for an AUC measured on {@code positives} and {@code negatives} examples:
     * the AUC's standard error from its exponential approximation, ±1.96 of it, clipped to [0, 1].
     */
    public static Interval auc(double auc, int positives, int negatives) {
        if (positives <= 0 || negatives <= 0) {
            return new Interval(0, 1);
        }
        double q1 = auc / (2 - auc);
        double q2 = 2 * auc * auc / (1 + auc);
        double variance = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc)
                + (negatives - 1) * (q2 - auc * auc)) / ((double) positives * negatives);
        double half = Z * Math.sqrt(Math.max(0, variance));
        return new Interval(Math.max(0, auc - half), Math.min(1, auc + half));
    }

    /**
     * A percentile bootstrap interval of the weighted mean {@code sum(w d) / sum(w)} of paired differences: the
     * examples are resampled with replacement {@value #RESAMPLES} times with a fixed seed, so that the same
     * evaluation always reports the same interval.
     *
     * @param differences one paired difference per example (candidate minus serving)
     * @param weights     each example's weight (e.g. its answer tokens, so that the mean is the per-token loss)
     * @return the interval; null when there are no examples
     */
    public static Interval bootstrapMean(double[] differences, double[] weights, long seed) {
        int n = differences.length;
        if (n == 0 || weights.length != n) {
            return null;
        }
        Random random = new Random(seed);
        double[] means = new double[RESAMPLES];
        for (int r = 0; r < RESAMPLES; r++) {
            double sum = 0;
            double weight = 0;
            for (int i = 0; i < n; i++) {
                int k = random.nextInt(n);
                sum += weights[k] * differences[k];
                weight += weights[k];
            }
            means[r] = weight == 0 ? 0 : sum / weight;
        }
        Arrays.sort(means);
        return new Interval(means[(int) Math.floor(0.025 * (RESAMPLES - 1))],
                means[(int) Math.ceil(0.975 * (RESAMPLES - 1))]);
    }

    /** For reports: {@code [0.38, 0.62]}. */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "[%.2f, %.2f]", low, high);
    }
}
