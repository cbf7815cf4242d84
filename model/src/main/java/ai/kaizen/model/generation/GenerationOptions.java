package ai.kaizen.model.generation;

import ai.kaizen.model.config.GenerationConfig;
import java.util.List;
import java.util.Set;

/**
 * How to generate: decoding strategy, limits and stop conditions.
 *
 * @param maxNewTokens most tokens to generate per sequence
 * @param doSample sample ({@code true}) or pick the most likely token (greedy, {@code false})
 * @param temperature divides the logits before sampling (ignored when greedy)
 * @param topK keep only the {@code k} most likely tokens; 0 keeps all
 * @param topP keep the smallest set of most likely tokens whose probability reaches {@code p}; 1 keeps all
 * @param repetitionPenalty Hugging Face's CTRL-style penalty on tokens already in the sequence
 *     (prompt included): positive logits divided by it, negative ones multiplied; 1 disables it
 * @param seed random seed (sequence {@code i} of a batch uses {@code seed + i}); null for a random one
 * @param stopStrings generation stops when the text contains one; it is cut from the text
 * @param stopTokenIds ids that end a sequence; null for the model's end-of-sequence ids
 * @param ignoreEos keep generating through end-of-sequence ids (benchmarks)
 */
public record GenerationOptions(int maxNewTokens, boolean doSample, double temperature, int topK, double topP,
        double repetitionPenalty, Long seed, List<String> stopStrings, Set<Integer> stopTokenIds, boolean ignoreEos) {

    /** Validates and copies. */
    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must not be negative");
        }
        if (doSample && !(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be positive when sampling, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must not be negative");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetition penalty must be positive, got " + repetitionPenalty);
        }
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        stopTokenIds = stopTokenIds == null ? null : Set.copyOf(stopTokenIds);
    }

    /**
     * Greedy decoding.
     *
     * @param maxNewTokens token limit
     * @return the options
     */
    public static GenerationOptions greedy(int maxNewTokens) {
        return builder().maxNewTokens(maxNewTokens).build();
    }

    /** @return a builder with greedy defaults and a limit of 256 new tokens */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder seeded with a model's suggested sampling settings from
     * {@code generation_config.json} (temperature, top-k, top-p, repetition penalty,
     * do_sample, max_new_tokens), where present.
     *
     * @param defaults the model's generation config
     * @return the builder
     */
    public static Builder builder(GenerationConfig defaults) {
        Builder b = new Builder();
        b.doSample(defaults.doSample());
        if (defaults.temperature() != null && defaults.temperature() > 0) {
            b.temperature(defaults.temperature());
        }
        if (defaults.topK() != null) {
            b.topK(defaults.topK());
        }
        if (defaults.topP() != null) {
            b.topP(defaults.topP());
        }
        if (defaults.repetitionPenalty() != null) {
            b.repetitionPenalty(defaults.repetitionPenalty());
        }
        if (defaults.maxNewTokens() != null) {
            b.maxNewTokens(defaults.maxNewTokens());
        }
        return b;
    }

    /** @return a builder with these options */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxNewTokens = maxNewTokens;
        b.doSample = doSample;
        b.temperature = temperature;
        b.topK = topK;
        b.topP = topP;
        b.repetitionPenalty = repetitionPenalty;
        b.seed = seed;
        b.stopStrings = stopStrings;
        b.stopTokenIds = stopTokenIds;
        b.ignoreEos = ignoreEos;
        return b;
    }

    /** Builds {@link GenerationOptions}. */
    public static final class Builder {
        private int maxNewTokens = 256;
        private boolean doSample;
        private double temperature = 1.0;
        private int topK;
        private double topP = 1.0;
        private double repetitionPenalty = 1.0;
        private Long seed;
        private List<String> stopStrings = List.of();
        private Set<Integer> stopTokenIds;
        private boolean ignoreEos;

        private Builder() {}

        /** @param v token limit @return this */
        public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
        /** @param v sample (true) or greedy (false) @return this */
        public Builder doSample(boolean v) { doSample = v; return this; }
        /** @param v temperature @return this */
        public Builder temperature(double v) { temperature = v; return this; }
        /** @param v top-k, 0 for all @return this */
        public Builder topK(int v) { topK = v; return this; }
        /** @param v top-p, 1 for all @return this */
        public Builder topP(double v) { topP = v; return this; }
        /** @param v repetition penalty, 1 for none @return this */
        public Builder repetitionPenalty(double v) { repetitionPenalty = v; return this; }
        /** @param v seed or null @return this */
        public Builder seed(Long v) { seed = v; return this; }
        /** @param v stop strings @return this */
        public Builder stopStrings(List<String> v) { stopStrings = v; return this; }
        /** @param v stop ids, null for the model's EOS ids @return this */
        public Builder stopTokenIds(Set<Integer> v) { stopTokenIds = v; return this; }
        /** @param v generate through EOS @return this */
        public Builder ignoreEos(boolean v) { ignoreEos = v; return this; }

        /** @return the options */
        public GenerationOptions build() {
            return new GenerationOptions(maxNewTokens, doSample, temperature, topK, topP, repetitionPenalty, seed,
                    stopStrings, stopTokenIds, ignoreEos);
        }
    }
}
