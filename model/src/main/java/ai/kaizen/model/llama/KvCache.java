package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Keys and values of past positions for a batch of sequences, preallocated per layer as
 * (batch, kvHeads, capacity, headDim) and filled in place, so decoding a token writes one column
 * instead of concatenating (and copying) the whole history.
 *
 * <p>All rows share one length: a batch is left-padded at prefill so that every row's newest
 * token sits in the same column. Padding positions are remembered and masked out of attention,
 * and each row's RoPE positions count only its real tokens, so a padded row computes exactly
 * what it would alone.
 *
 * <p>Owns native memory: close it (or use try-with-resources) when the sequences are done.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int batchSize;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;
    private final DataType dataType;
    /**
     * The same keys and values for {@link JavaDecoder}, made on demand, one flat array per layer
     * laid out so that attention reads them front to back: keys in blocks of {@link #KEY_BLOCK}
     * positions, each block dimension by dimension ({@link #keyIndex}), so that the scores of a
     * block are one vector register of sums; values by (row, head, position) ({@code
     * [layer][((b * kvHeads + h) * javaCapacity + position) * headDim + d]}).
     * They come from the model's {@link JavaKvPool} (null until the first Java step) and go back
     * to it on {@link #close()}.
     */
    private final JavaKvPool pool;
    private JavaKvPool.Arrays javaArrays;
    /** Columns valid in the native arrays and in the Java arrays; each side catches up when used. */
    private int torchLength;
    private int javaLength;
    private final boolean[][] real; // (batch, capacity): which columns hold real tokens
    private final int[] realCount; // per row: real tokens so far (the next RoPE position)
    private JavaDecoder.Buffers javaBuffers;
    private int length;
    private boolean padded;

    KvCache(NDManager parent, int layers, int batchSize, int kvHeads, int capacity, int headDim, DataType dataType,
            JavaKvPool pool) {
        if (batchSize <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("batch size and capacity must be positive");
        }
        this.manager = parent.newSubManager();
        this.batchSize = batchSize;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.dataType = dataType;
        this.pool = pool;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.real = new boolean[batchSize][capacity];
        this.realCount = new int[batchSize];
    }

    /** @return number of sequences */
    public int batchSize() {
        return batchSize;
    }

    /** @return positions filled so far (padding included) */
    public int length() {
        return length;
    }

    /** @return the most positions this cache holds */
    public int capacity() {
        return capacity;
    }

    /** @param row a sequence @return how many real (non-padding) tokens it has so far */
    public int realTokens(int row) {
        return realCount[row];
    }

    /** @return key/value heads */
    int kvHeads() {
        return kvHeads;
    }

    /** @return whether any row has padding */
    boolean padded() {
        return padded;
    }

    /**
     * Records the next {@code t} columns before they are computed and returns their RoPE positions.
     *
     * @param isReal (batch, t) whether each new token is real
     * @return (batch * t) position ids, row-major
     */
    long[] admit(boolean[][] isReal, int t) {
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " + " + t + " > capacity " + capacity);
        }
        long[] positions = new long[batchSize * t];
        for (int b = 0; b < batchSize; b++) {
            for (int i = 0; i < t; i++) {
                boolean r = isReal == null || isReal[b][i];
                real[b][length + i] = r;
                if (r) {
                    positions[b * t + i] = realCount[b]++;
                } else {
                    padded = true;
                }
            }
        }
        return positions;
    }

    /** Marks the columns admitted last as written by a PyTorch step. */
    void advance(int t) {
        length += t;
        torchLength = length;
    }

    /** Marks the {@code t} columns admitted last as written by a Java step. */
    void advanceJava(int t) {
        length += t;
        javaLength = length;
    }

    /** Copies columns the Java decoder wrote into the native arrays, before a PyTorch step reads them. */
    void syncToTorch() {
        if (torchLength >= length) {
            return;
        }
        int from = torchLength;
        int n = length - from;
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] == null) {
                Shape shape = new Shape(batchSize, kvHeads, capacity, headDim);
                keys[l] = manager.zeros(shape, dataType);
                values[l] = manager.zeros(shape, dataType);
                NDScope.unregister(keys[l], values[l]);
            }
            float[] k = new float[batchSize * kvHeads * n * headDim];
            float[] v = new float[k.length];
            float[] javaK = javaKeys(l);
            float[] javaV = javaValues(l);
            int cap = javaCapacity();
            for (int bh = 0; bh < batchSize * kvHeads; bh++) {
                for (int s = 0; s < n; s++) {
                    int at = (bh * n + s) * headDim;
                    for (int d = 0; d < headDim; d++) {
                        k[at + d] = javaK[keyIndex(bh, d, from + s, headDim, cap)];
                    }
                    System.arraycopy(javaV, (bh * cap + from + s) * headDim, v, at, headDim);
                }
            }
            NDIndex columns = new NDIndex(":, :, {}:{}", from, length);
            Shape shape = new Shape(batchSize, kvHeads, n, headDim);
            try (NDArray ka = manager.create(k, shape); NDArray va = manager.create(v, shape);
                    NDArray kt = ka.toType(dataType, false); NDArray vt = va.toType(dataType, false)) {
                keys[l].set(columns, kt);
                values[l].set(columns, vt);
            }
        }
        torchLength = length;
    }

    /** Copies columns a PyTorch step wrote (a prefill) into the Java arrays, before a Java step reads them. */
    void syncToJava() {
        if (javaArrays == null) {
            javaArrays = pool.take(batchSize, capacity);
        }
        if (javaLength >= length) {
            return;
        }
        int from = javaLength;
        int n = length - from;
        NDIndex columns = new NDIndex(":, :, {}:{}", from, length);
        for (int l = 0; l < keys.length; l++) {
            try (NDArray k = keys[l].get(columns); NDArray v = values[l].get(columns);
                    NDArray kf = k.toType(DataType.FLOAT32, false); NDArray vf = v.toType(DataType.FLOAT32, false)) {
                float[] kk = kf.toFloatArray();
                float[] vv = vf.toFloatArray();
                float[] javaK = javaKeys(l);
                float[] javaV = javaValues(l);
                int cap = javaCapacity();
                for (int bh = 0; bh < batchSize * kvHeads; bh++) {
                    for (int s = 0; s < n; s++) {
                        int at = (bh * n + s) * headDim;
                        for (int d = 0; d < headDim; d++) {
                            javaK[keyIndex(bh, d, from + s, headDim, cap)] = kk[at + d];
                        }
                        System.arraycopy(vv, at, javaV, (bh * cap + from + s) * headDim, headDim);
                    }
                }
            }
        }
        javaLength = length;
    }

    /**
     * @param make creates them on first use
     * @return the Java decoder's scratch arrays for this cache's batch
     */
    JavaDecoder.Buffers javaBuffers(java.util.function.Supplier<JavaDecoder.Buffers> make) {
        if (javaBuffers == null) {
            javaBuffers = make.get();
        }
        return javaBuffers;
    }

    /** @return the Java keys of a layer, at {@link #keyIndex} */
    float[] javaKeys(int layer) {
        return javaArrays.keys()[layer];
    }

    /** Positions per key block of the Java arrays (the native kernel's vector width). */
    static final int KEY_BLOCK = 16;

    /**
     * Where the Java keys hold a key: blocks of {@link #KEY_BLOCK} positions per (row, head), each
     * block dimension by dimension (as the native kernel reads them, {@code kernels.h}).
     *
     * @param bh row * kvHeads + head
     * @param d dimension
     * @param position position
     * @param headDim dimensions per head
     * @param capacity {@link #javaCapacity()}, a multiple of {@link #KEY_BLOCK}
     * @return the index in {@link #javaKeys}
     */
    static int keyIndex(int bh, int d, int position, int headDim, int capacity) {
        return (bh * capacity + (position & -KEY_BLOCK)) * headDim + d * KEY_BLOCK + (position & (KEY_BLOCK - 1));
    }

    /** @return positions per row of the Java arrays (at least {@link #capacity()}) */
    int javaCapacity() {
        return javaArrays.capacity();
    }

    /** @return the Java values of a layer: [((b * kvHeads + h) * javaCapacity + position) * headDim + d] */
    float[] javaValues(int layer) {
        return javaArrays.values()[layer];
    }

    /** @param row a sequence @param column a position @return whether it holds a real token */
    boolean isReal(int row, int column) {
        return real[row][column];
    }

    /** @param row a sequence @return per column whether it holds a real token (read only) */
    boolean[] realColumns(int row) {
        return real[row];
    }

    /**
     * Builds the additive attention mask for {@code t} new queries over all {@code length + t}
     * keys: 0 where a query may attend, a large negative number elsewhere (future keys, padding).
     * Returns {@code null} when nothing needs masking (a single new token and no padding).
     *
     * @param t new tokens this step
     * @param negative the masking value for the model's dtype
     * @return (batch, 1, 1, t, keys) for t &gt; 1, (batch, 1, 1, keys) for t == 1, or null
     */
    float[] mask(int t, float negative) {
        if (t == 1 && !padded) {
            return null;
        }
        int keysTotal = length + t;
        float[] m = new float[batchSize * t * keysTotal];
        for (int b = 0; b < batchSize; b++) {
            for (int q = 0; q < t; q++) {
                int base = (b * t + q) * keysTotal;
                int queryColumn = length + q;
                for (int k = 0; k < keysTotal; k++) {
                    boolean visible = k <= queryColumn && real[b][k];
                    // a padding query sees itself, so its softmax row is never empty
                    m[base + k] = visible || k == queryColumn ? 0f : negative;
                }
            }
        }
        return m;
    }

    /**
     * Writes the keys and values of the new tokens of one layer and returns views of everything
     * written so far, new tokens included.
     *
     * @param layer layer index
     * @param k (batch, kvHeads, t, headDim)
     * @param v (batch, kvHeads, t, headDim)
     * @return {keys, values}, each (batch, kvHeads, length + t, headDim); the caller closes them
     */
    NDArray[] write(int layer, NDArray k, NDArray v) {
        if (keys[layer] == null) {
            Shape shape = new Shape(batchSize, kvHeads, capacity, headDim);
            keys[layer] = manager.zeros(shape, dataType);
            values[layer] = manager.zeros(shape, dataType);
            NDScope.unregister(keys[layer], values[layer]);
        }
        long t = k.getShape().get(2);
        NDIndex columns = new NDIndex(":, :, {}:{}", length, length + t);
        keys[layer].set(columns, k);
        values[layer].set(columns, v);
        NDIndex upTo = new NDIndex(":, :, :{}", length + t);
        return new NDArray[] {keys[layer].get(upTo), values[layer].get(upTo)};
    }

    /**
     * Forgets everything, keeping the allocation (for reuse with new sequences of the same batch size).
     */
    public void reset() {
        length = 0;
        torchLength = 0;
        javaLength = 0;
        padded = false;
        Arrays.fill(realCount, 0);
        for (boolean[] row : real) {
            Arrays.fill(row, false);
        }
    }

    @Override
    public void close() {
        manager.close();
        if (javaArrays != null) {
            JavaKvPool.Arrays a = javaArrays;
            javaArrays = null;
            pool.give(a);
        }
    }
}
