package ai.kaizen.trainer.online;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The prompt order of an online run: a shuffle per epoch from the seed and the epoch, so a resumed run
 * that starts at a saved (epoch, position) sees the same prompts as an uninterrupted one.
 */
public final class PromptCursor {

    private final int size;
    private final long seed;
    private int epoch;
    private int position;
    private List<Integer> order;

    /**
     * @param size prompts
     * @param seed the run's seed
     * @param epoch the pass to start in
     * @param position prompts of that pass already used
     */
    public PromptCursor(int size, long seed, int epoch, int position) {
        this.size = size;
        this.seed = seed;
        this.epoch = epoch;
        this.position = position;
    }

    /** @return the index of the next prompt */
    public int next() {
        if (position >= size) {
            epoch++;
            position = 0;
            order = null;
        }
        if (order == null) {
            order = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        }
        return order.get(position++);
    }

    /** @return the current pass (0-based) */
    public int epoch() {
        return epoch;
    }

    /** @return prompts of the current pass already used */
    public int position() {
        return position;
    }

    /** @return passes done, fractional */
    public double progress() {
        return epoch + (double) position / size;
    }
}
