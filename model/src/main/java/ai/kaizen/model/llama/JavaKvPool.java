package ai.kaizen.model.llama;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The Java decoder's key/value arrays of closed caches, kept for the next cache of the same batch
 * size and about the same capacity.
 *
 * <p>Why: a cache's Java arrays are large (12 layers x 12 heads x 64 dimensions x 256 positions x
 * batch 8 is 150 MB) and were allocated afresh for every generation. The first decode step then
 * page-faulted that memory in (about half a second at batch 8 on the reference machine, all of it
 * before the first token), and the next young collection copied it (pauses up to 280 ms were
 * seen). A server answers one request after another with similar shapes, so most generations can
 * take the arrays the previous one left.
 *
 * <p>Arrays are kept through soft references (the collector may take them back under memory
 * pressure) and only up to a byte budget. Capacities are rounded up to a multiple of
 * {@link #CAPACITY_STEP} so that requests of slightly different lengths share arrays.
 */
final class JavaKvPool {

    /** Storage capacities are multiples of this many positions (and of {@link KvCache#KEY_BLOCK}). */
    static final int CAPACITY_STEP = 128;

    /** A kept set is reused only if it wastes at most this many positions per row. */
    private static final int MAX_WASTE = 2 * CAPACITY_STEP;

    /**
     * Keys and values of every layer for one cache.
     *
     * @param batch rows
     * @param capacity positions per row the arrays hold (at least the cache's capacity)
     * @param keys per layer, at {@link KvCache#keyIndex}
     * @param values per layer, {@code [((b * kvHeads + h) * capacity + position) * headDim + d]}
     */
    record Arrays(int batch, int capacity, float[][] keys, float[][] values) {

        long bytes() {
            long n = 0;
            for (float[] layer : keys) {
                n += 4L * layer.length;
            }
            return 2 * n;
        }
    }

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final long budgetBytes;
    private final Deque<SoftReference<Arrays>> kept = new ArrayDeque<>();

    /**
     * @param layers decoder layers
     * @param kvHeads key/value heads
     * @param headDim dimensions per head
     * @param budgetBytes most bytes kept
     */
    JavaKvPool(int layers, int kvHeads, int headDim, long budgetBytes) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.budgetBytes = budgetBytes;
    }

    /**
     * Returns the kept arrays that fit best, or new ones. Their contents are stale: a cache writes every
     * position before it reads it.
     *
     * @param batch rows
     * @param capacity positions per row needed
     * @return arrays for at least that capacity
     */
    Arrays take(int batch, int capacity) {
        synchronized (kept) {
            // the closest fit: a longer row spreads the positions attention reads
            SoftReference<Arrays> bestRef = null;
            Arrays best = null;
            for (Iterator<SoftReference<Arrays>> it = kept.iterator(); it.hasNext(); ) {
                SoftReference<Arrays> ref = it.next();
                Arrays a = ref.get();
                if (a == null) {
                    it.remove();
                } else if (a.batch == batch && a.capacity >= capacity && a.capacity - capacity <= MAX_WASTE
                        && (best == null || a.capacity < best.capacity)) {
                    bestRef = ref;
                    best = a;
                }
            }
            if (best != null) {
                kept.remove(bestRef);
                return best;
            }
        }
        int storage = (capacity + CAPACITY_STEP - 1) / CAPACITY_STEP * CAPACITY_STEP;
        float[][] keys = new float[layers][];
        float[][] values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[Math.multiplyExact(batch * kvHeads * headDim, storage)];
            values[l] = new float[keys[l].length];
        }
        return new Arrays(batch, storage, keys, values);
    }

    /**
     * Keeps arrays for a later cache (the newest first), dropping the oldest beyond the budget.
     *
     * @param a arrays no cache uses any more
     */
    void give(Arrays a) {
        if (a.bytes() > budgetBytes) {
            return;
        }
        synchronized (kept) {
            kept.addFirst(new SoftReference<>(a));
            long total = 0;
            for (Iterator<SoftReference<Arrays>> it = kept.iterator(); it.hasNext(); ) {
                Arrays k = it.next().get();
                if (k == null || total + k.bytes() > budgetBytes) {
                    it.remove();
                } else {
                    total += k.bytes();
                }
            }
        }
    }
}
