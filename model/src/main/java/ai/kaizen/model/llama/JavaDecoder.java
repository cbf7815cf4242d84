package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.kaizen.model.config.LlamaConfig;

/**
 * One decode step (one new token per sequence) computed in Java on the heap copies of the
 * weights: the same maths as {@link DecoderLayer}, written as loops over float arrays.
 *
 * <p>Why a second implementation: a decode step through NDArrays makes about 40 native calls per
 * layer, each a few microseconds of JNI and bookkeeping around a few hundred floats of work, on
 * top of the matrix products; for a 100M-parameter model that overhead was a sixth of the step.
 * Here a step makes three native calls (the embedding lookup), so its time is the matrix
 * products' ({@link HeapMatrix}) plus a little attention arithmetic. Prefill, training and
 * anything with adapters attached still run through {@link DecoderLayer}; tests check that both
 * paths agree.
 *
 * <p>A step allocates no activation arrays (only the embedded rows and the logits it returns):
 * its activations live in {@link Buffers} kept with the cache. Allocating them afresh (about 4 MB
 * a step at batch 8) cost more than the arithmetic on them: as the heap grows, new eden memory is
 * first touched by these arrays, and the page faults took 10 to 15 ms of a 100 ms step.
 */
final class JavaDecoder {

    private final LlamaModel model;
    private final LlamaConfig config;
    private final double[] inverseFrequencies;
    private volatile float[][] norms; // per layer {input, post}, then the final norm at the end

    JavaDecoder(LlamaModel model, double[] inverseFrequencies) {
        this.model = model;
        this.config = model.config();
        this.inverseFrequencies = inverseFrequencies;
    }

    /** Drops copied weights (after the model's weights changed). */
    void invalidate() {
        norms = null;
    }

    private float[][] norms() {
        float[][] n = norms;
        if (n == null) {
            synchronized (this) {
                n = norms;
                if (n == null) {
                    n = new float[2 * config.numLayers() + 1][];
                    for (DecoderLayer layer : model.layers()) {
                        n[2 * layer.index] = floats(layer.inputNorm.getArray());
                        n[2 * layer.index + 1] = floats(layer.postAttentionNorm.getArray());
                    }
                    n[2 * config.numLayers()] = floats(model.finalNorm());
                    norms = n;
                }
            }
        }
        return n;
    }

    private static float[] floats(NDArray a) {
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    /**
     * Decodes one token per row. The cache has admitted the new column already.
     *
     * @param cache the cache (its Java arrays are extended)
     * @param tokens (batch) the new token of each row
     * @param positions (batch) their RoPE positions
     * @return (batch)[vocab] logits
     */
    float[][] step(KvCache cache, int[] tokens, long[] positions) {
        int batch = tokens.length;
        int hidden = config.hiddenSize();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int headDim = config.headDim();
        int group = heads / kvHeads;
        int qDim = config.queryDim();
        int kvDim = config.kvDim();
        int column = cache.length();
        int keysSeen = column + 1;
        float eps = (float) config.rmsNormEps();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[][] norms = norms();
        cache.syncToJava();
        Buffers w = cache.javaBuffers(() -> new Buffers(config, batch, cache.capacity(), Parallel.SHARED.threads()));

        float[][] x = embed(tokens);
        float[][] cos = w.cos;
        float[][] sin = w.sin;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < headDim / 2; i++) {
                double angle = positions[b] * inverseFrequencies[i];
                cos[b][i] = (float) Math.cos(angle);
                sin[b][i] = (float) Math.sin(angle);
            }
        }
        float[][] h = w.normed;
        int inter = config.intermediateSize();
        for (DecoderLayer layer : model.layers()) {
            int l = layer.index;
            // attention
            rmsNorm(x, norms[2 * l], eps, h);
            float[][] qkv = multiply(layer.qkv, h, w.qkv);
            long attentionStart = Diagnostics.enabled() ? System.nanoTime() : 0;
            float[][] keys = cache.javaKeys(l);
            float[][] values = cache.javaValues(l);
            int capacity = cache.javaCapacity();
            for (int b = 0; b < batch; b++) {
                float[] row = qkv[b];
                for (int head = 0; head < heads + kvHeads; head++) {
                    rotate(row, head * headDim, headDim, cos[b], sin[b]);
                }
                for (int kv = 0; kv < kvHeads; kv++) {
                    int bh = b * kvHeads + kv;
                    for (int d = 0; d < headDim; d++) {
                        keys[bh * headDim + d][column] = row[qDim + kv * headDim + d];
                    }
                    System.arraycopy(row, qDim + kvDim + kv * headDim, values[bh * capacity + column], 0, headDim);
                }
            }
            float[][] attended = w.attended;
            // one part per (row, key/value head): its group of query heads shares the keys read
            Parallel.SHARED.run(batch * kvHeads, (slot, part) -> {
                int b = part / kvHeads;
                int kv = part % kvHeads;
                float[] scores = w.scores[slot];
                float[] acc = w.headOutput[slot];
                for (int head = kv * group; head < (kv + 1) * group; head++) {
                    attend(cache, b, kv, head, headDim, qkv[b], keys, values, scores, acc, keysSeen, column, scale,
                            attended[b]);
                }
            });
            if (Diagnostics.enabled()) {
                Diagnostics.addAttentionNanos(System.nanoTime() - attentionStart);
            }
            addInPlace(x, multiply(layer.output, attended, w.residual));
            // MLP
            rmsNorm(x, norms[2 * l + 1], eps, h);
            float[][] gateUp = multiply(layer.gateUp, h, w.gateUp);
            long activationStart = Diagnostics.enabled() ? System.nanoTime() : 0;
            float[][] act = w.activated;
            // silu(gate) * up; Math.exp dominates, so two slices per row share the cores
            Parallel.SHARED.run(2 * batch, (slot, part) -> {
                int b = part / 2;
                float[] gu = gateUp[b];
                float[] a = act[b];
                int from = part % 2 == 0 ? 0 : inter / 2;
                int to = part % 2 == 0 ? inter / 2 : inter;
                for (int i = from; i < to; i++) {
                    float g = gu[i];
                    a[i] = g / (1f + (float) Math.exp(-g)) * gu[inter + i];
                }
            });
            if (Diagnostics.enabled()) {
                Diagnostics.addActivationNanos(System.nanoTime() - activationStart);
            }
            addInPlace(x, multiply(layer.down, act, w.residual));
        }
        rmsNorm(x, norms[2 * config.numLayers()], eps, h);
        float[][] logits = new float[batch][config.vocabSize()];
        model.lmHeadMatrix().multiply(h, logits, Parallel.SHARED);
        cache.advanceJava();
        return logits;
    }

    /**
     * Attention of one query head over the cached keys of its key/value head, written into
     * {@code out} at the head's columns. Both products are written as "vector += scalars * rows"
     * over whole arrays with equal indices, four rows per pass, the form the JIT vectorises: scores
     * over positions from four transposed key rows (dimensions) at a time, the output over
     * dimensions from four value rows (positions) at a time. One row per pass made a short loop
     * per dimension and per position, whose setup cost more than its arithmetic (four rows per
     * pass cut the attention of a batch of 8 at 192 positions by about a third).
     */
    private static void attend(KvCache cache, int b, int kv, int head, int headDim, float[] row, float[][] keys,
            float[][] values, float[] scores, float[] acc, int keysSeen, int column, float scale, float[] out) {
        int bh = b * cache.kvHeads() + kv;
        int q = head * headDim;
        int k0 = bh * headDim;
        java.util.Arrays.fill(scores, 0, keysSeen, 0f);
        int d = 0;
        for (; d + 4 <= headDim; d += 4) {
            axpy4(row[q + d] * scale, keys[k0 + d], row[q + d + 1] * scale, keys[k0 + d + 1],
                    row[q + d + 2] * scale, keys[k0 + d + 2], row[q + d + 3] * scale, keys[k0 + d + 3], scores,
                    keysSeen);
        }
        for (; d < headDim; d++) {
            axpy(row[q + d] * scale, keys[k0 + d], scores, keysSeen);
        }
        boolean padded = cache.padded();
        float max = Float.NEGATIVE_INFINITY;
        for (int s = 0; s < keysSeen; s++) {
            if (padded && s != column && !cache.isReal(b, s)) {
                scores[s] = Float.NEGATIVE_INFINITY;
            } else {
                max = Math.max(max, scores[s]);
            }
        }
        float sum = 0;
        for (int s = 0; s < keysSeen; s++) {
            float e = scores[s] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(scores[s] - max);
            scores[s] = e;
            sum += e;
        }
        float inv = 1f / sum;
        java.util.Arrays.fill(acc, 0f);
        int base = bh * cache.javaCapacity();
        // masked positions have weight 0 and finite values, so they add exactly nothing
        int s = 0;
        for (; s + 4 <= keysSeen; s += 4) {
            axpy4(scores[s] * inv, values[base + s], scores[s + 1] * inv, values[base + s + 1], scores[s + 2] * inv,
                    values[base + s + 2], scores[s + 3] * inv, values[base + s + 3], acc, headDim);
        }
        for (; s < keysSeen; s++) {
            axpy(scores[s] * inv, values[base + s], acc, headDim);
        }
        System.arraycopy(acc, 0, out, q, headDim);
    }

    /** {@code y[0:n] += a * x[0:n]}. */
    private static void axpy(float a, float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += a * x[i];
        }
    }

    /** {@code y[0:n] += a0 * x0[0:n] + a1 * x1[0:n] + a2 * x2[0:n] + a3 * x3[0:n]}. */
    private static void axpy4(float a0, float[] x0, float a1, float[] x1, float a2, float[] x2, float a3, float[] x3,
            float[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
        }
    }

    private float[][] embed(int[] tokens) {
        NDManager m = model.manager();
        long[] ids = new long[tokens.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens[i];
        }
        float[] flat;
        try (NDManager tmp = m.newSubManager()) {
            NDArray idArray = tmp.create(ids, new Shape(ids.length));
            NDArray e = idArray.getNDArrayInternal().embedding(idArray, model.embedding(), SparseFormat.DENSE)
                    .singletonOrThrow();
            flat = e.toType(DataType.FLOAT32, false).toFloatArray();
        }
        int hidden = config.hiddenSize();
        float[][] x = new float[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            x[b] = java.util.Arrays.copyOfRange(flat, b * hidden, (b + 1) * hidden);
        }
        return x;
    }

    /** {@code y = x W^T (+ bias)}; {@code y} is overwritten and returned. */
    private static float[][] multiply(Projection p, float[][] x, float[][] y) {
        HeapMatrix m = p.heapMatrix();
        m.multiply(x, y, Parallel.SHARED);
        float[] bias = p.biasValues();
        if (bias != null) {
            for (float[] row : y) {
                for (int o = 0; o < row.length; o++) {
                    row[o] += bias[o];
                }
            }
        }
        return y;
    }

    /** {@code out = x * (mean(x^2) + eps)^-1/2 * weight}, row by row. */
    private static void rmsNorm(float[][] x, float[] weight, float eps, float[][] out) {
        for (int b = 0; b < x.length; b++) {
            float[] row = x[b];
            double sum = 0;
            for (float v : row) {
                sum += v * v;
            }
            float inv = (float) (1.0 / Math.sqrt((float) (sum / row.length) + eps));
            float[] o = out[b];
            for (int i = 0; i < row.length; i++) {
                o[i] = row[i] * inv * weight[i];
            }
        }
    }

    /** Half-split RoPE on one head: dimension i rotates with i + headDim/2. */
    private static void rotate(float[] v, int offset, int headDim, float[] cos, float[] sin) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float x1 = v[offset + i];
            float x2 = v[offset + half + i];
            v[offset + i] = x1 * cos[i] - x2 * sin[i];
            v[offset + half + i] = x2 * cos[i] + x1 * sin[i];
        }
    }

    private static void addInPlace(float[][] x, float[][] delta) {
        for (int b = 0; b < x.length; b++) {
            float[] r = x[b];
            float[] d = delta[b];
            for (int i = 0; i < r.length; i++) {
                r[i] += d[i];
            }
        }
    }

    /**
     * The activations of one step for one cache (its batch size and capacity), reused by every
     * step. Attention scratch is per participant of {@link Parallel} (its slot), so that parts
     * running at the same time never share it.
     */
    static final class Buffers {
        final float[][] cos;
        final float[][] sin;
        final float[][] normed;
        final float[][] qkv;
        final float[][] attended;
        final float[][] residual;
        final float[][] gateUp;
        final float[][] activated;
        final float[][] scores;
        final float[][] headOutput;

        Buffers(LlamaConfig config, int batch, int capacity, int slots) {
            int hidden = config.hiddenSize();
            cos = new float[batch][config.headDim() / 2];
            sin = new float[batch][config.headDim() / 2];
            normed = new float[batch][hidden];
            qkv = new float[batch][config.qkvDim()];
            attended = new float[batch][config.queryDim()];
            residual = new float[batch][hidden];
            gateUp = new float[batch][2 * config.intermediateSize()];
            activated = new float[batch][config.intermediateSize()];
            scores = new float[slots][capacity];
            headOutput = new float[slots][config.headDim()];
        }
    }
}
