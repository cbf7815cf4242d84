package ai.kaizen.model.bench;

import com.google.gson.JsonObject;

/**
 * What {@link GenerationBenchmark} measured. Rates are tokens per second summed over the batch.
 *
 * @param model the model directory or configuration file
 * @param dtype weight type ({@code float32} or {@code float16})
 * @param kernel the decode kernel used ({@code java} or {@code torch})
 * @param batch sequences decoded together
 * @param promptTokens prompt length per sequence
 * @param newTokens generated tokens per sequence
 * @param params parameter count
 * @param weightBytes bytes of weights read per decode step
 * @param prefillTokensPerSecond prompt tokens processed per second
 * @param decodeTokensPerSecond generated tokens per second (all sequences)
 * @param decodeMsPerStep milliseconds per decode step (one token for each sequence)
 * @param matmulMsPerStep milliseconds per step in the matrix products of the kernel used (the Java
 *     kernel's measured share of real steps, or PyTorch's products run alone)
 * @param torchMatmulMsPerStep milliseconds the same products take in PyTorch, run back to back
 * @param attentionMsPerStep Java decode path: milliseconds per step in attention (NaN for the NDArray path)
 * @param activationMsPerStep Java decode path: milliseconds per step in SiLU(gate) * up (NaN for the NDArray path)
 * @param samplingMsPerStep milliseconds spent choosing tokens in Java per step
 * @param arraysPerStep native arrays created per decode step (each a JNI call to create and one to free)
 * @param bandwidthGbPerSecond memory bandwidth the steps are compared with: the median over blocks of
 *     steps of the best measure just before and after the block
 * @param probes each bandwidth measure's best pass during the run
 * @param boundTokensPerSecond decode steps per second the bandwidth allows: bandwidth / weight bytes
 * @param fractionOfBound the median over blocks of steps of the block's steps per second over its
 *     bound
 */
public record BenchmarkResult(String model, String dtype, String kernel, int batch, int promptTokens, int newTokens,
        long params, long weightBytes, double prefillTokensPerSecond, double decodeTokensPerSecond,
        double decodeMsPerStep, double matmulMsPerStep, double torchMatmulMsPerStep, double attentionMsPerStep,
        double activationMsPerStep, double samplingMsPerStep,
        long arraysPerStep, double bandwidthGbPerSecond, MemoryBandwidth.Probes probes,
        double boundTokensPerSecond, double fractionOfBound) {

    /**
     * @return milliseconds per step not in the products, attention, activation or sampling
     *     (attention and activation count only where measured, on the Java path)
     */
    public double otherMsPerStep() {
        double other = decodeMsPerStep - matmulMsPerStep - samplingMsPerStep;
        if (!Double.isNaN(attentionMsPerStep)) {
            other -= attentionMsPerStep + activationMsPerStep;
        }
        return other;
    }

    /** @return one JSON object, snake_case keys */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("model", model);
        o.addProperty("dtype", dtype);
        o.addProperty("kernel", kernel);
        o.addProperty("batch", batch);
        o.addProperty("prompt_tokens", promptTokens);
        o.addProperty("new_tokens", newTokens);
        o.addProperty("params", params);
        o.addProperty("weight_bytes", weightBytes);
        o.addProperty("prefill_tokens_per_s", round(prefillTokensPerSecond));
        o.addProperty("decode_tokens_per_s", round(decodeTokensPerSecond));
        o.addProperty("decode_ms_per_step", round(decodeMsPerStep));
        o.addProperty("matmul_ms_per_step", round(matmulMsPerStep));
        o.addProperty("torch_matmul_ms_per_step", round(torchMatmulMsPerStep));
        if (!Double.isNaN(attentionMsPerStep)) {
            o.addProperty("attention_ms_per_step", round(attentionMsPerStep));
            o.addProperty("activation_ms_per_step", round(activationMsPerStep));
        }
        o.addProperty("other_ms_per_step", round(otherMsPerStep()));
        o.addProperty("sampling_ms_per_step", round(samplingMsPerStep));
        o.addProperty("arrays_per_step", arraysPerStep);
        o.addProperty("bandwidth_gb_per_s", round(bandwidthGbPerSecond));
        JsonObject best = new JsonObject();
        best.addProperty("java_heap", round(probes.javaHeap()));
        best.addProperty("pytorch", round(probes.pytorch()));
        if (!Double.isNaN(probes.nativeMemory())) {
            best.addProperty("native", round(probes.nativeMemory()));
        }
        o.add("bandwidth_best_gb_per_s", best);
        o.addProperty("bound_steps_per_s", round(boundTokensPerSecond));
        o.addProperty("fraction_of_bound", Math.round(fractionOfBound * 1000) / 1000.0);
        return o;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
