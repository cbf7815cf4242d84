package ai.kaizen.model.generation;

import java.util.Arrays;
import java.util.Random;

/**
 * Chooses the next token from a row of logits, in Java: repetition penalty, then greedy argmax or
 * temperature, top-k, top-p and a draw from the remaining distribution.
 *
 * <p>Why in Java rather than as NDArray operations: the logits row has to come to Java anyway
 * (one copy of vocab floats, tens of microseconds), a seeded {@link Random} makes sampling
 * reproducible and engine-independent, and the maths is exactly Hugging Face's. Top-p avoids
 * sorting the whole vocabulary: only tokens that could belong to the nucleus are sorted.
 */
public final class Sampler {

    private final boolean greedy;
    private final double temperature;
    private final int topK;
    private final double topP;
    private final double repetitionPenalty;

    /**
     * @param options the decoding settings
     */
    public Sampler(GenerationOptions options) {
        this.greedy = !options.doSample();
        this.temperature = greedy ? 1.0 : options.temperature();
        this.topK = options.topK();
        this.topP = options.topP();
        this.repetitionPenalty = options.repetitionPenalty();
    }

    /** A chosen token and its log-probability under {@code softmax(logits / T)} of the raw logits (T = 1 when greedy). */
    public record Choice(int token, float logprob) {
    }

    /** exp((l - max) / T) of the last row sampled, kept between tokens (a vocabulary of doubles per token otherwise). */
    private double[] weights = new double[0];

    private float logprob(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp((l - max) / temperature);
        }
        return (float) ((logits[token] - max) / temperature - Math.log(sum));
    }

    /**
     * Chooses the next token. When sampling without a repetition penalty, the token's log-probability comes from
     * the same pass over the vocabulary as the draw.
     *
     * @param logits raw logits for the next position (not modified)
     * @param history the sequence so far, prompt included (for the repetition penalty)
     * @param historyLength how many entries of {@code history} are valid
     * @param random the sequence's random source
     * @return the chosen token and its log-probability
     */
    public Choice choose(float[] logits, int[] history, int historyLength, Random random) {
        float[] l = logits;
        if (repetitionPenalty != 1.0 && historyLength > 0) {
            l = logits.clone();
            boolean[] seen = new boolean[l.length];
            for (int i = 0; i < historyLength; i++) {
                int id = history[i];
                if (id >= 0 && id < l.length && !seen[id]) {
                    seen[id] = true;
                    l[id] = (float) (l[id] > 0 ? l[id] / repetitionPenalty : l[id] * repetitionPenalty);
                }
            }
        }
        if (greedy) {
            int token = argmax(l);
            return new Choice(token, logprob(logits, token));
        }
        int n = l.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) {
            max = Math.max(max, v);
        }
        if (weights.length != n) {
            weights = new double[n];
        }
        double[] p = weights;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((l[i] - max) / temperature);
            sum += p[i];
        }
        int token = sample(p, sum, random);
        float logprob = l == logits ? (float) ((logits[token] - max) / temperature - Math.log(sum))
                : logprob(logits, token);
        return new Choice(token, logprob);
    }

    static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) {
                best = i;
            }
        }
        return best;
    }

    /** A draw from weights {@code p} (their sum {@code sum}) after top-k and top-p. */
    private int sample(double[] p, double sum, Random random) {
        int n = p.length;
        boolean truncate = (topK > 0 && topK < n) || topP < 1.0;
        if (!truncate) {
            return draw(p, sum, random);
        }
        // Candidates: the top-k, or for top-p alone every token that could be in the nucleus
        // (one below (1 - p) / (n - 1) of the mass never is).
        int[] candidates;
        if (topK > 0 && topK < n) {
            candidates = topIndices(p, topK);
        } else {
            double floor = (1 - topP) / (n - 1) * sum;
            int count = 0;
            int[] c = new int[n];
            for (int i = 0; i < n; i++) {
                if (p[i] >= floor) {
                    c[count++] = i;
                }
            }
            candidates = Arrays.copyOf(c, count);
        }
        int[] order = candidates;
        sortByWeight(order, p);
        double kept = 0;
        for (int i : order) {
            kept += p[i];
        }
        int keep = order.length;
        if (topP < 1.0) {
            // Hugging Face keeps tokens until the cumulative probability (of the top-k
            // renormalised) exceeds top-p, and always at least one.
            double cumulative = 0;
            for (int i = 0; i < order.length; i++) {
                cumulative += p[order[i]] / kept;
                if (cumulative >= topP) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double mass = 0;
        for (int i = 0; i < keep; i++) {
            mass += p[order[i]];
        }
        double r = random.nextDouble() * mass;
        for (int i = 0; i < keep; i++) {
            r -= p[order[i]];
            if (r <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /**
     * Sorts token ids by weight, the heaviest first, equal weights in the order they came (as the stable sort of boxed
     * ids this replaces did, so the same seed draws the same token): a bottom-up merge sort on ints, since a top-p
     * nucleus over flat logits holds most of the vocabulary and boxing it cost more than the draw.
     */
    static void sortByWeight(int[] ids, double[] p) {
        int n = ids.length;
        int[] from = ids;
        int[] to = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    // the right one first only when strictly heavier: equal weights keep their order
                    to[k++] = Double.compare(p[from[j]], p[from[i]]) > 0 ? from[j++] : from[i++];
                }
                while (i < mid) {
                    to[k++] = from[i++];
                }
                while (j < hi) {
                    to[k++] = from[j++];
                }
            }
            int[] t = from;
            from = to;
            to = t;
        }
        if (from != ids) {
            System.arraycopy(from, 0, ids, 0, n);
        }
    }

    private static int draw(double[] p, double sum, Random random) {
        double r = random.nextDouble() * sum;
        for (int i = 0; i < p.length; i++) {
            r -= p[i];
            if (r <= 0) {
                return i;
            }
        }
        return p.length - 1;
    }

    /** Indices of the k largest values (unordered), by a bounded min-heap. */
    private static int[] topIndices(double[] p, int k) {
        int[] heap = new int[k];
        int size = 0;
        for (int i = 0; i < p.length; i++) {
            if (size < k) {
                heap[size] = i;
                siftUp(heap, size++, p);
            } else if (p[i] > p[heap[0]]) {
                heap[0] = i;
                siftDown(heap, k, p);
            }
        }
        return heap;
    }

    private static void siftUp(int[] heap, int i, double[] p) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (p[heap[i]] >= p[heap[parent]]) {
                return;
            }
            int t = heap[i];
            heap[i] = heap[parent];
            heap[parent] = t;
            i = parent;
        }
    }

    private static void siftDown(int[] heap, int size, double[] p) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int smallest = i;
            if (l < size && p[heap[l]] < p[heap[smallest]]) {
                smallest = l;
            }
            if (r < size && p[heap[r]] < p[heap[smallest]]) {
                smallest = r;
            }
            if (smallest == i) {
                return;
            }
            int t = heap[i];
            heap[i] = heap[smallest];
            heap[smallest] = t;
            i = smallest;
        }
    }
}
