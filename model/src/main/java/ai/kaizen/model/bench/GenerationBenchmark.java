package ai.kaizen.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.kaizen.model.llama.Diagnostics;
import ai.kaizen.model.llama.KvCache;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.Projection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Times prefill and decode of a model (random prompts, greedy choice, end-of-sequence ignored)
 * and puts the decode rate next to the memory-bandwidth bound.
 *
 * <p>Besides the rates it reports where a decode step's time goes: the matrix products (for the
 * Java kernel their share of the timed steps, otherwise PyTorch's products run back to back),
 * for the Java kernel attention and activation, Java-side token choice, and the number of
 * native arrays a step creates (the JNI traffic). Everything else in a step (norms, residual
 * adds, the embedding lookup, garbage collection; for PyTorch also attention and the JNI calls)
 * is {@code decode - matmul - attention - activation - sampling}.
 */
public final class GenerationBenchmark {

    /**
     * @param batch sequences decoded together
     * @param promptTokens prompt length
     * @param newTokens tokens generated per sequence
     * @param repeats prefill repetitions (the best is kept)
     */
    public record Settings(int batch, int promptTokens, int newTokens, int repeats) {

        /** Validates. */
        public Settings {
            if (batch <= 0 || promptTokens <= 0 || newTokens <= 0 || repeats <= 0) {
                throw new IllegalArgumentException("batch, prompt tokens, new tokens and repeats must be positive");
            }
        }
    }

    /** Decode steps between bandwidth measurements. */
    private static final int BLOCK_STEPS = 16;

    /** Passes of each bandwidth measure between blocks (the best counts). */
    private static final int PROBE_PASSES = 2;

    private GenerationBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param model the model (random or real weights)
     * @param name how to name it in the result
     * @param settings sizes
     * @return the measurements
     */
    public static BenchmarkResult run(LlamaModel model, String name, Settings settings) {
        // The bandwidth measures' buffers (1.5 GiB) are allocated before the warm-up, so that the
        // heap has grown around them (and collected) before any step is timed.
        try (MemoryBandwidth memory = MemoryBandwidth.open(model.manager())) {
            return run(model, name, settings, memory);
        }
    }

    private static BenchmarkResult run(LlamaModel model, String name, Settings settings, MemoryBandwidth memory) {
        int b = settings.batch();
        int p = settings.promptTokens();
        int n = settings.newTokens();
        if (p + n > model.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("prompt + new tokens (" + (p + n) + ") exceed the model's context ("
                    + model.config().maxPositionEmbeddings() + ")");
        }
        Random random = new Random(0);
        int vocab = model.config().vocabSize();
        int[][] prompt = new int[b][p];
        for (int[] row : prompt) {
            for (int i = 0; i < p; i++) {
                row[i] = 3 + random.nextInt(vocab - 3);
            }
        }

        // Warm-up until the JIT has compiled the decode path's helpers (256 steps and 4 seconds at
        // least; a step's own method may stay in the first-tier compiler much longer),
        // in caches of the measured shape: the allocator, thread pools, heap copies and the Java
        // key/value arrays a server reuses from one request to the next are ready, as in a
        // server that has answered a few requests.
        // The timed steps' diagnostics are on here too: code compiled without them was deoptimised
        // when they came on, and the first 30 timed steps ran half compiled, a third slower.
        boolean javaKernel = model.decodesWithJavaKernel(b);
        long start = System.nanoTime();
        Diagnostics.enable(javaKernel);
        try {
            for (int steps = 0; n > 0 && (steps < 256 || System.nanoTime() - start < 4_000_000_000L)
                    && System.nanoTime() - start < 30_000_000_000L; ) {
                try (KvCache cache = model.newCache(b, p + n)) {
                    float[][] logits = model.nextTokenLogits(cache, prompt);
                    for (int i = 0; i < n; i++, steps++) {
                        logits = model.nextTokenLogitsReusing(cache, argmax(logits));
                    }
                }
            }
        } finally {
            Diagnostics.enable(false);
        }
        try (KvCache cache = model.newCache(b, p)) {
            model.nextTokenLogits(cache, prompt);
        }

        double prefillSeconds = Double.MAX_VALUE;
        for (int r = 0; r < settings.repeats(); r++) {
            try (KvCache cache = model.newCache(b, p)) {
                long t0 = System.nanoTime();
                model.nextTokenLogits(cache, prompt);
                prefillSeconds = Math.min(prefillSeconds, (System.nanoTime() - t0) / 1e9);
            }
        }

        // The Java kernel's split (products, attention, activation) is taken from the timed steps
        // themselves: a separate short probe ran at shorter cache lengths (attention grows with
        // them) and at another time (this machine's load changes), so the split did not add up
        // to the step. The counters cost a few clock reads per product. The NDArray path's
        // array count walks every step's arrays, so there it stays in a separate probe.
        //
        // The bound is measured in the same run, between blocks of steps: on a shared machine the
        // bandwidth moves by a third from one second to the next, so a bound measured before or
        // after the steps compared them with another machine's state. Each block is compared with
        // the best passes just before and just after it, and the fraction reported is the median
        // block's.
        long weightBytes = model.weightBytesPerToken();
        long decodeNanos = 0;
        long samplingNanos = 0;
        long arrays;
        double javaKernelMs = Double.NaN;
        double attentionMs = Double.NaN;
        double activationMs = Double.NaN;
        List<Double> blockFractions = new ArrayList<>();
        List<Double> blockBandwidths = new ArrayList<>();
        MemoryBandwidth.Probes seen;
        try (KvCache cache = model.newCache(b, p + n)) {
            float[][] logits = model.nextTokenLogits(cache, prompt);
            MemoryBandwidth.Probes before = memory.best(PROBE_PASSES);
            seen = before;
            Diagnostics.enable(javaKernel);
            Diagnostics.takeKernelNanos();
            Diagnostics.takeAttentionNanos();
            Diagnostics.takeActivationNanos();
            long blockNanos = 0;
            int blockSteps = 0;
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                int[][] next = argmax(logits);
                long t1 = System.nanoTime();
                logits = model.nextTokenLogitsReusing(cache, next); // as Generator does
                long stepNanos = System.nanoTime() - t0;
                decodeNanos += stepNanos;
                samplingNanos += t1 - t0;
                blockNanos += stepNanos;
                blockSteps++;
                if (blockSteps == BLOCK_STEPS || i == n - 1) {
                    MemoryBandwidth.Probes after = memory.best(PROBE_PASSES);
                    double bandwidth = before.max(after).best();
                    double boundStepsPerSecond = bandwidth * 1e9 / weightBytes;
                    blockBandwidths.add(bandwidth);
                    blockFractions.add(blockSteps / (blockNanos / 1e9) / boundStepsPerSecond);
                    seen = seen.max(after);
                    before = after;
                    blockNanos = 0;
                    blockSteps = 0;
                }
            }
            if (javaKernel) {
                javaKernelMs = Diagnostics.takeKernelNanos() / 1e6 / n;
                attentionMs = Diagnostics.takeAttentionNanos() / 1e6 / n;
                activationMs = Diagnostics.takeActivationNanos() / 1e6 / n;
            }
        } finally {
            Diagnostics.enable(false);
        }
        double stepMs = decodeNanos / 1e6 / n;
        arrays = javaKernel ? Diagnostics.lastStepArrays() : arraysPerStep(model, prompt, Math.min(n, 16));
        double torchMatmulMs = matmulMsPerStep(model, b);
        double matmulMs = javaKernel ? javaKernelMs : torchMatmulMs;
        double bandwidth = median(blockBandwidths);
        return new BenchmarkResult(name, model.options().dtypeName(),
                model.decodeKernelName(b), b, p, n, model.parameterCount(), weightBytes, b * p / prefillSeconds,
                b * 1000.0 / stepMs, stepMs, matmulMs, torchMatmulMs, attentionMs, activationMs,
                samplingNanos / 1e6 / n, arrays, bandwidth, seen, bandwidth * 1e9 / weightBytes,
                median(blockFractions));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int m = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
    }

    /** Native arrays the last of a few NDArray decode steps created (counting walks the step's arrays). */
    private static long arraysPerStep(LlamaModel model, int[][] prompt, int steps) {
        try (KvCache cache = model.newCache(prompt.length, prompt[0].length + steps)) {
            float[][] logits = model.nextTokenLogits(cache, prompt);
            Diagnostics.enable(true);
            for (int i = 0; i < steps; i++) {
                logits = model.nextTokenLogits(cache, argmax(logits));
            }
            return Diagnostics.lastStepArrays();
        } finally {
            Diagnostics.enable(false);
        }
    }

    /** Time of one step's matrix products alone: every projection and the LM head on (b, 1, in) inputs. */
    private static double matmulMsPerStep(LlamaModel model, int b) {
        double best = Double.MAX_VALUE;
        try (NDManager m = model.manager().newSubManager()) {
            NDArray[] inputs = new NDArray[model.projections().size()];
            for (int i = 0; i < inputs.length; i++) {
                Projection proj = model.projections().get(i);
                inputs[i] = m.randomNormal(new Shape(b, 1, proj.inFeatures()), model.options().dataType());
            }
            NDArray hidden = m.randomNormal(new Shape(b, 1, model.config().hiddenSize()), model.options().dataType());
            for (int rep = 0; rep < 5; rep++) {
                long t0 = System.nanoTime();
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    for (int i = 0; i < inputs.length; i++) {
                        Projection proj = model.projections().get(i);
                        Linear.linear(inputs[i], proj.weight().getArray(),
                                proj.bias() == null ? null : proj.bias().getArray());
                    }
                    if (model.hasLmHead()) {
                        model.logits(hidden);
                    }
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e6);
            }
        }
        return best;
    }

    private static int[][] argmax(float[][] logits) {
        int[][] next = new int[logits.length][1];
        for (int r = 0; r < logits.length; r++) {
            float[] l = logits[r];
            int best = 0;
            for (int i = 1; i < l.length; i++) {
                if (l[i] > l[best]) {
                    best = i;
                }
            }
            next[r][0] = best;
        }
        return next;
    }
}
