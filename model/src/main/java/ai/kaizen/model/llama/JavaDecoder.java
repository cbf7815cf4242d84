package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.kaizen.model.config.LlamaConfig;

/**
 * One decode step (one new token per sequence) computed outside PyTorch on the decode copies of the
 * weights: the same maths as {@link DecoderLayer}, written as loops over float arrays.
 *
 * <p>Why a second implementation: a decode step through NDArrays makes about 40 native calls per
 * layer, each a few microseconds of JNI and bookkeeping around a few hundred floats of work, on
 * top of the matrix products; for a 100M-parameter model that overhead was a sixth of the step.
 * Here a step calls PyTorch only to look up an untied embedding (a tied one is read from the LM
 * head's decode copy) and, where the native kernels load, makes a few native calls per product
 * and per layer's attention, so its time is the matrix products' ({@link DecodeMatrix}) plus a
 * little attention arithmetic. Prefill, training and
 * anything with adapters attached still run through {@link DecoderLayer}; tests check that both
 * paths agree.
 *
 * <p>Activations are flat (rows, features) arrays, the form the native kernels take. A step
 * allocates no activation arrays (only an untied embedding's rows, and the logits unless the caller
 * lets it reuse them, {@link LlamaModel#nextTokenLogitsReusing}): they live in
 * {@link Buffers} kept with the cache. Allocating them afresh (about 4 MB
 * a step at batch 8) cost more than the arithmetic on them: as the heap grows, new eden memory is
 * first touched by these arrays, and the page faults took 10 to 15 ms of a 100 ms step.
 */
final class JavaDecoder {

    /** Most rows (sequences x prompt tokens) one prefill pass runs through the layers. */
    static final int PREFILL_ROWS = 512;

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
     * @param reuse return the cache's logits buffers (overwritten by its next step) rather than
     *     fresh arrays
     * @return (batch)[vocab] logits
     */
    float[][] step(KvCache cache, int[] tokens, long[] positions, boolean reuse) {
        int batch = tokens.length;
        cache.syncToJava();
        Buffers w = cache.javaBuffers(() -> new Buffers(config, batch, cache.capacity(), Parallel.SHARED.threads()));
        KvCache[] caches = new KvCache[batch];
        int[] rowInCache = new int[batch];
        int[] columns = new int[batch];
        for (int b = 0; b < batch; b++) {
            caches[b] = cache;
            rowInCache[b] = b;
            columns[b] = cache.length();
        }
        return step(new Rows(caches, rowInCache, columns), tokens, positions, w, reuse);
    }

    /**
     * Decodes one token for each of several caches of one row each, the weights read once for all: the step of
     * continuous batching, where sequences that started at different times decode together. Each cache has
     * admitted its new column already.
     *
     * @param caches one cache of batch size 1 per row
     * @param tokens the new token of each row
     * @param positions their RoPE positions
     * @param w step buffers for at least this many rows, capacity and {@link Parallel} slots
     * @return (rows)[vocab] logits, {@code w}'s own rows, overwritten by the next step with {@code w}
     */
    float[][] step(KvCache[] caches, int[] tokens, long[] positions, Buffers w) {
        int[] columns = new int[caches.length];
        for (int b = 0; b < caches.length; b++) {
            caches[b].syncToJava();
            columns[b] = caches[b].length();
        }
        return step(new Rows(caches, new int[caches.length], columns), tokens, positions, w, true);
    }

    /**
     * Reads the next tokens of every sequence of a cache at once (a prompt, or a chunk of one): every token is a
     * row of each matrix product, so the weights are read once for all of them and the native kernel multiplies
     * them in blocks of rows against each panel of weights, several times faster than PyTorch's products on
     * these shapes. Each token attends to the cache's real columns and to the real tokens before it; left padding
     * is computed as token 0 and masked, as in the NDArray network. At most {@link #PREFILL_ROWS} rows go through
     * the layers at a time (a long prompt in chunks of columns), so that the activations stay a few megabytes: a
     * batch of eight 2,048-token prompts read at once would hold 16k rows of them. The cache has admitted the new
     * columns already.
     *
     * @param cache the cache (its Java arrays are extended by the tokens' columns)
     * @param tokens (batch, t) the new tokens, {@code -1} for left padding (each row's last token is real)
     * @param positions (batch * t) their RoPE positions, row-major
     * @return (batch)[vocab] logits for the token after each sequence's last one
     */
    float[][] prefill(KvCache cache, int[][] tokens, long[] positions) {
        int t = tokens[0].length;
        int chunk = Math.max(1, PREFILL_ROWS / tokens.length);
        cache.syncToJava();
        float[][] logits = null;
        for (int from = 0; from < t; from += chunk) {
            logits = prefill(cache, tokens, positions, from, Math.min(t, from + chunk));
        }
        return logits;
    }

    /**
     * Reads columns {@code [from, to)} of the tokens: one pass of {@link #prefill(KvCache, int[][], long[])}.
     *
     * @return the logits after each sequence's last token for the last pass, null for the passes before it
     */
    private float[][] prefill(KvCache cache, int[][] tokens, long[] positions, int from, int to) {
        int batch = tokens.length;
        int t = tokens[0].length;
        int width = to - from;
        int n = batch * width;
        KvCache[] caches = new KvCache[n];
        int[] rowInCache = new int[n];
        int[] columns = new int[n];
        int[] flat = new int[n];
        long[] rowPositions = new long[n];
        for (int r = 0; r < n; r++) {
            int b = r / width;
            int i = from + r % width;
            caches[r] = cache;
            rowInCache[r] = b;
            columns[r] = cache.length() + r % width;
            flat[r] = Math.max(tokens[b][i], 0);
            rowPositions[r] = positions[b * t + i];
        }
        // logits of the last token only: the buffers hold no logits
        Buffers w = new Buffers(config, n, cache.capacity(), Parallel.SHARED.threads(), false);
        float[] x = layers(new Rows(caches, rowInCache, columns), flat, rowPositions, w);
        cache.advanceJava(width);
        if (to < t) {
            return null;
        }
        int hidden = config.hiddenSize();
        float[] last = new float[batch * hidden];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(x, ((b + 1) * width - 1) * hidden, last, b * hidden, hidden);
        }
        rmsNorm(last, batch, hidden, norms()[2 * config.numLayers()], (float) config.rmsNormEps(), last);
        int vocab = config.vocabSize();
        float[] logits = new float[batch * vocab];
        model.lmHeadMatrix().multiply(last, logits, batch, Parallel.SHARED);
        float[][] out = new float[batch][];
        for (int b = 0; b < batch; b++) {
            out[b] = java.util.Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab);
        }
        return out;
    }

    /**
     * Where each row of a step lives: its cache, its row in that cache and its column (the position it writes and
     * attends up to).
     */
    private record Rows(KvCache[] caches, int[] rowInCache, int[] columns) {
    }

    private float[][] step(Rows rows, int[] tokens, long[] positions, Buffers w, boolean reuse) {
        int batch = tokens.length;
        int hidden = config.hiddenSize();
        float eps = (float) config.rmsNormEps();
        float[][] norms = norms();
        float[] x = layers(rows, tokens, positions, w);
        float[] h = w.normed;
        rmsNorm(x, batch, hidden, norms[2 * config.numLayers()], eps, h);
        int vocab = config.vocabSize();
        float[][] out = reuse ? java.util.Arrays.copyOf(w.logitRows, batch) : new float[batch][vocab];
        // the product writes (batch, vocab) flat: a row array itself at batch 1
        float[] logits = batch == 1 ? out[0] : reuse ? w.logits : new float[batch * vocab];
        model.lmHeadMatrix().multiply(h, logits, batch, Parallel.SHARED);
        KvCache advanced = null;
        for (KvCache c : rows.caches()) {
            if (c != advanced) { // a shared cache advances once; rows of one cache are adjacent
                c.advanceJava(1);
                advanced = c;
            }
        }
        if (batch > 1) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(logits, b * vocab, out[b], 0, vocab);
            }
        }
        return out;
    }

    /**
     * Runs every layer over the rows: embeds the tokens, writes each row's keys and values at its column, and
     * returns the residual stream after the last layer ({@code w.hiddenState}, before the final norm).
     */
    private float[] layers(Rows rows, int[] tokens, long[] positions, Buffers w) {
        int batch = tokens.length;
        int hidden = config.hiddenSize();
        int headDim = config.headDim();
        int[] columns = rows.columns();
        float eps = (float) config.rmsNormEps();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[][] norms = norms();

        float[] x = embed(tokens, w.hiddenState);
        float[] cos = w.cos;
        float[] sin = w.sin;
        int half = headDim / 2;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < half; i++) {
                double angle = positions[b] * inverseFrequencies[i];
                cos[b * half + i] = (float) Math.cos(angle);
                sin[b * half + i] = (float) Math.sin(angle);
            }
        }
        float[] h = w.normed;
        for (DecoderLayer layer : model.layers()) {
            int l = layer.index;
            // attention
            rmsNorm(x, batch, hidden, norms[2 * l], eps, h);
            float[] qkv = multiply(layer.qkv, h, batch, w.qkv);
            long attentionStart = Diagnostics.enabled() ? System.nanoTime() : 0;
            rotateAndCache(qkv, batch, cos, sin, rows, l, columns);
            attention(rows, l, w, qkv, columns, scale, batch);
            if (Diagnostics.enabled()) {
                Diagnostics.addAttentionNanos(System.nanoTime() - attentionStart);
            }
            addInPlace(x, multiply(layer.output, w.attended, batch, w.residual), batch * hidden);
            // MLP
            rmsNorm(x, batch, hidden, norms[2 * l + 1], eps, h);
            float[] gateUp = multiply(layer.gateUp, h, batch, w.gateUp);
            long activationStart = Diagnostics.enabled() ? System.nanoTime() : 0;
            float[] act = w.activated;
            activate(gateUp, act, batch);
            if (Diagnostics.enabled()) {
                Diagnostics.addActivationNanos(System.nanoTime() - activationStart);
            }
            addInPlace(x, multiply(layer.down, act, batch, w.residual), batch * hidden);
        }
        return x;
    }

    /**
     * RoPE on every row's query and key heads (in place in {@code qkv}), then the row's keys and
     * values into the layer's Java cache arrays at the row's column.
     */
    private void rotateAndCache(float[] qkv, int batch, float[] cos, float[] sin, Rows rows, int layer,
            int[] columns) {
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int headDim = config.headDim();
        int qDim = config.queryDim();
        int kvDim = config.kvDim();
        int qkvDim = config.qkvDim();
        int half = headDim / 2;
        for (int b = 0; b < batch; b++) {
            KvCache cache = rows.caches()[b];
            float[] keys = cache.javaKeys(layer);
            float[] values = cache.javaValues(layer);
            int capacity = cache.javaCapacity();
            int column = columns[b];
            int row = b * qkvDim;
            for (int head = 0; head < heads + kvHeads; head++) {
                rotate(qkv, row + head * headDim, headDim, cos, sin, b * half);
            }
            for (int kv = 0; kv < kvHeads; kv++) {
                int bh = rows.rowInCache()[b] * kvHeads + kv;
                for (int d = 0; d < headDim; d++) {
                    keys[KvCache.keyIndex(bh, d, column, headDim, capacity)] = qkv[row + qDim + kv * headDim + d];
                }
                System.arraycopy(qkv, row + qDim + kvDim + kv * headDim, values, (bh * capacity + column) * headDim,
                        headDim);
            }
        }
    }

    /** {@code act = silu(gate) * up} for every row; exp dominates, so two slices per row share the cores. */
    private void activate(float[] gateUp, float[] act, int batch) {
        int inter = config.intermediateSize();
        boolean nativeKernels = NativeKernels.available();
        if (nativeKernels && (gateUp.length < batch * 2 * inter || act.length < batch * inter)) {
            throw new IllegalStateException("step buffers do not match the step"); // native code would overrun
        }
        Parallel.SHARED.run(2 * batch, (slot, part) -> {
            int b = part / 2;
            int gu = b * 2 * inter;
            int from = part % 2 == 0 ? 0 : inter / 2;
            int to = part % 2 == 0 ? inter / 2 : inter;
            if (nativeKernels) {
                NativeKernels.siluMul(gateUp, act, inter, b, from, to);
                return;
            }
            for (int i = from; i < to; i++) {
                float g = gateUp[gu + i];
                act[b * inter + i] = g / (1f + (float) Math.exp(-g)) * gateUp[gu + inter + i];
            }
        });
    }

    /**
     * Attention of every query head over the cached keys of its key/value head, into {@code
     * w.attended}: one part per (row, slice of key/value heads), a group of query heads sharing
     * the keys read; native where the kernels load, else {@link #attend}. Each row reads its own
     * cache, up to its own column.
     */
    private void attention(Rows rows, int layer, Buffers w, float[] qkv, int[] columns, float scale, int batch) {
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int headDim = config.headDim();
        int group = heads / kvHeads;
        int qkvDim = config.qkvDim();
        int qDim = config.queryDim();
        // enough parts for every thread even at batch 1
        int slices = Math.min(kvHeads, Math.max(1, (2 * Parallel.SHARED.threads() + batch - 1) / batch));
        float[] attended = w.attended;
        if (NativeKernels.available()) {
            // native code past an array's end would corrupt the heap, not throw
            for (int b = 0; b < batch; b++) {
                KvCache cache = rows.caches()[b];
                int capacity = cache.javaCapacity();
                float[] keys = cache.javaKeys(layer);
                if (keys.length < (rows.rowInCache()[b] + 1) * kvHeads * headDim * capacity
                        || cache.javaValues(layer).length < keys.length || capacity % KvCache.KEY_BLOCK != 0
                        || columns[b] + 1 > capacity || qkv.length < batch * qkvDim
                        || attended.length < batch * qDim) {
                    throw new IllegalStateException("Java KV arrays or step buffers do not match the step");
                }
            }
            Parallel.SHARED.run(batch * slices, (slot, part) -> {
                int b = part / slices;
                int s = part % slices;
                KvCache cache = rows.caches()[b];
                int row = rows.rowInCache()[b];
                NativeKernels.attend(cache.javaKeys(layer), cache.javaValues(layer), cache.javaCapacity(), qkv,
                        b * qkvDim, attended, b * qDim, cache.padded() ? cache.realColumns(row) : null, row,
                        kvHeads * s / slices, kvHeads * (s + 1) / slices, heads, kvHeads, headDim, columns[b] + 1,
                        columns[b], scale);
            });
            return;
        }
        Parallel.SHARED.run(batch * slices, (slot, part) -> {
            int b = part / slices;
            int s = part % slices;
            KvCache cache = rows.caches()[b];
            for (int kv = kvHeads * s / slices; kv < kvHeads * (s + 1) / slices; kv++) {
                for (int head = kv * group; head < (kv + 1) * group; head++) {
                    attend(cache, rows.rowInCache()[b], kv, head, headDim, qkv, b * qkvDim, cache.javaKeys(layer),
                            cache.javaValues(layer), cache.javaCapacity(), w.scores[slot], w.headOutput[slot],
                            columns[b] + 1, columns[b], scale, attended, b * qDim);
                }
            }
        });
    }

    /**
     * Attention of one query head over the cached keys of its key/value head, written into {@code
     * out} at the head's columns: the Java form of the native kernel, for where it does not load.
     */
    private static void attend(KvCache cache, int b, int kv, int head, int headDim, float[] qkv, int row,
            float[] keys, float[] values, int capacity, float[] scores, float[] acc, int keysSeen, int column,
            float scale, float[] out, int outRow) {
        int bh = b * cache.kvHeads() + kv;
        int q = row + head * headDim;
        java.util.Arrays.fill(scores, 0, keysSeen, 0f);
        for (int s0 = 0; s0 < keysSeen; s0 += KvCache.KEY_BLOCK) {
            int n = Math.min(KvCache.KEY_BLOCK, keysSeen - s0);
            for (int d = 0; d < headDim; d++) {
                int from = KvCache.keyIndex(bh, d, s0, headDim, capacity);
                float qd = qkv[q + d] * scale;
                for (int i = 0; i < n; i++) {
                    scores[s0 + i] += qd * keys[from + i];
                }
            }
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
        int base = bh * capacity;
        // masked positions have weight 0 and finite values, so they add exactly nothing
        for (int s = 0; s < keysSeen; s++) {
            axpy(scores[s] * inv, values, (base + s) * headDim, acc, headDim);
        }
        System.arraycopy(acc, 0, out, outRow + head * headDim, headDim);
    }

    /** {@code y[0:n] += a * x[from:from + n]}. */
    private static void axpy(float a, float[] x, int from, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += a * x[from + i];
        }
    }

    /**
     * @param into where a tied embedding's rows go
     * @return (batch, hidden) embedded rows
     */
    private float[] embed(int[] tokens, float[] into) {
        if (model.lmHeadIsEmbedding()) {
            // No PyTorch call: in a step's rhythm one costs 0.3-0.5 ms (against 15 us in a loop of
            // lookups alone), a few percent of a small model's step.
            DecodeMatrix table = model.lmHeadMatrix();
            int hidden = config.hiddenSize();
            for (int b = 0; b < tokens.length; b++) {
                table.row(tokens[b], into, b * hidden);
            }
            return into;
        }
        NDManager m = model.manager();
        long[] ids = new long[tokens.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens[i];
        }
        try (NDManager tmp = m.newSubManager()) {
            NDArray idArray = tmp.create(ids, new Shape(ids.length));
            NDArray e = idArray.getNDArrayInternal().embedding(idArray, model.embedding(), SparseFormat.DENSE)
                    .singletonOrThrow();
            return e.toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    /** {@code y = x W^T (+ bias)}; {@code y} is overwritten and returned. */
    private static float[] multiply(Projection p, float[] x, int rows, float[] y) {
        p.multiplyOnCopy(x, y, rows);
        return y;
    }

    /** {@code out = x * (mean(x^2) + eps)^-1/2 * weight}, row by row. */
    private static void rmsNorm(float[] x, int rows, int n, float[] weight, float eps, float[] out) {
        for (int b = 0; b < rows; b++) {
            int at = b * n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                float v = x[at + i];
                sum += v * v;
            }
            float inv = (float) (1.0 / Math.sqrt((float) (sum / n) + eps));
            for (int i = 0; i < n; i++) {
                out[at + i] = x[at + i] * inv * weight[i];
            }
        }
    }

    /** Half-split RoPE on one head at {@code offset}: dimension i rotates with i + headDim/2. */
    private static void rotate(float[] v, int offset, int headDim, float[] cos, float[] sin, int angles) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float x1 = v[offset + i];
            float x2 = v[offset + half + i];
            v[offset + i] = x1 * cos[angles + i] - x2 * sin[angles + i];
            v[offset + half + i] = x2 * cos[angles + i] + x1 * sin[angles + i];
        }
    }

    private static void addInPlace(float[] x, float[] delta, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += delta[i];
        }
    }

    /**
     * The activations of one step for one cache (its batch size and capacity), reused by every
     * step. Attention scratch is per participant of {@link Parallel} (its slot), so that parts
     * running at the same time never share it.
     */
    static final class Buffers {
        final float[] cos;
        final float[] sin;
        final float[] hiddenState; // x, the residual stream: the embedded rows, then each layer adds to it
        final float[] normed;
        final float[] qkv;
        final float[] attended;
        final float[] residual;
        final float[] gateUp;
        final float[] activated;
        final float[][] scores;
        final float[][] headOutput;
        final float[] logits; // (batch, vocab) flat, as the LM head's product writes it; unused at batch 1
        final float[][] logitRows;

        Buffers(LlamaConfig config, int batch, int capacity, int slots) {
            this(config, batch, capacity, slots, true);
        }

        /**
         * @param batch rows of the activations
         * @param withLogits whether to hold a logits row per activation row (a prefill returns logits per sequence,
         *     not per token, and makes its own)
         */
        Buffers(LlamaConfig config, int batch, int capacity, int slots, boolean withLogits) {
            int hidden = config.hiddenSize();
            cos = new float[batch * config.headDim() / 2];
            sin = new float[batch * config.headDim() / 2];
            hiddenState = new float[batch * hidden];
            normed = new float[batch * hidden];
            qkv = new float[batch * config.qkvDim()];
            attended = new float[batch * config.queryDim()];
            residual = new float[batch * hidden];
            gateUp = new float[batch * 2 * config.intermediateSize()];
            activated = new float[batch * config.intermediateSize()];
            scores = new float[slots][capacity];
            headOutput = new float[slots][config.headDim()];
            logits = new float[batch == 1 || !withLogits ? 0 : batch * config.vocabSize()];
            logitRows = new float[withLogits ? batch : 0][config.vocabSize()];
        }
    }
}
