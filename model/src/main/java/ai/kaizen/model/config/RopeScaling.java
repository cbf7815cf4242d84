package ai.kaizen.model.config;

/**
 * The {@code rope_scaling} block of a {@code config.json}, for the two kinds this engine supports.
 *
 * <ul>
 *   <li>{@code llama3}: Llama 3.1/3.2 frequency-dependent scaling (all four fields used);
 *   <li>{@code linear}: positions divided by {@code factor} (only {@code factor} used).
 * </ul>
 *
 * @param type {@code "llama3"} or {@code "linear"}
 * @param factor the scaling factor
 * @param lowFreqFactor llama3 only: wavelengths above {@code original / lowFreqFactor} are scaled
 * @param highFreqFactor llama3 only: wavelengths below {@code original / highFreqFactor} are kept
 * @param originalMaxPositionEmbeddings llama3 only: the context length before scaling
 */
public record RopeScaling(
        String type,
        double factor,
        double lowFreqFactor,
        double highFreqFactor,
        int originalMaxPositionEmbeddings) {

    /** Llama 3 scaling. */
    public static final String LLAMA3 = "llama3";

    /** Linear position interpolation. */
    public static final String LINEAR = "linear";

    /**
     * Applies this scaling to the unscaled inverse frequencies {@code theta^(-2i/d)}, exactly as
     * transformers' {@code _compute_llama3_parameters} / {@code _compute_linear_scaling_rope_parameters}.
     *
     * @param inverseFrequencies the unscaled inverse frequencies, modified in place
     */
    public void apply(double[] inverseFrequencies) {
        if (LINEAR.equals(type)) {
            for (int i = 0; i < inverseFrequencies.length; i++) {
                inverseFrequencies[i] /= factor;
            }
            return;
        }
        double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
        double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
        for (int i = 0; i < inverseFrequencies.length; i++) {
            double freq = inverseFrequencies[i];
            double wavelen = 2 * Math.PI / freq;
            if (wavelen > lowFreqWavelen) {
                inverseFrequencies[i] = freq / factor;
            } else if (wavelen >= highFreqWavelen) {
                double smooth =
                        (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
                                / (highFreqFactor - lowFreqFactor);
                inverseFrequencies[i] = (1 - smooth) * freq / factor + smooth * freq;
            }
        }
    }
}
