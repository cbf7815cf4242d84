package ai.kaizen.trainer.ppo;

/**
 * Whitening over every token of a batch (TRL's {@code masked_whiten}): subtract the mean, divide
 * by the standard deviation (unbiased, as {@code torch.var} computes it), optionally adding the
 * mean back (TRL does for rewards, not for advantages).
 */
public final class Whitening {

    private static final double EPSILON = 1e-8;

    private Whitening() {}

    /**
     * Whitens in place.
     *
     * @param rows per-sequence values (ragged: each row is one response)
     * @param shiftMean true to leave the result centred on 0, false to keep the original mean
     */
    public static void whiten(float[][] rows, boolean shiftMean) {
        long n = 0;
        double sum = 0;
        for (float[] row : rows) {
            for (float v : row) {
                sum += v;
                n++;
            }
        }
        if (n < 2) {
            return; // a variance needs two values; one token is left as it is
        }
        double mean = sum / n;
        double squares = 0;
        for (float[] row : rows) {
            for (float v : row) {
                squares += (v - mean) * (v - mean);
            }
        }
        double variance = squares / (n - 1);
        double scale = 1 / Math.sqrt(variance + EPSILON);
        for (float[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                double w = (row[i] - mean) * scale;
                row[i] = (float) (shiftMean ? w : w + mean);
            }
        }
    }
}
