package ai.kaizen.trainer.training;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The data position of a run: the epoch and the micro-batches of it already consumed, over a
 * shuffle that depends only on the seed and the epoch, so a resumed run sees the same order as an
 * uninterrupted one (the order {@link ai.kaizen.trainer.sft.SftTrainer} uses, shared by the preference trainers).
 *
 * @param <T> the example type
 */
public final class EpochCursor<T> {

    private final List<T> data;
    private final int batchSize;
    private final long seed;
    private int epoch;
    private int batch;
    private List<Integer> order;

    /**
     * @param data the examples (at least one)
     * @param batchSize examples per micro-batch
     * @param seed the run's seed
     * @param epoch the epoch to start in (0-based; from {@link TrainerState#epoch()} when resuming)
     * @param batch micro-batches of that epoch already consumed
     */
    public EpochCursor(List<T> data, int batchSize, long seed, int epoch, int batch) {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("no examples to train on");
        }
        this.data = List.copyOf(data);
        this.batchSize = batchSize;
        this.seed = seed;
        this.epoch = epoch;
        this.batch = batch;
    }

    /** @return micro-batches per pass over the data (the last one may be short) */
    public int batchesPerEpoch() {
        return (data.size() + batchSize - 1) / batchSize;
    }

    /** @return the next micro-batch, starting a freshly shuffled epoch when one is used up */
    public List<T> next() {
        if (batch >= batchesPerEpoch()) {
            epoch++;
            batch = 0;
            order = null;
        }
        if (order == null) {
            order = order(data.size(), seed, epoch);
        }
        int from = batch * batchSize;
        int to = Math.min(from + batchSize, data.size());
        List<T> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            out.add(data.get(order.get(i)));
        }
        batch++;
        return out;
    }

    /** @return the current epoch (0-based), for {@link TrainerState} */
    public int epoch() {
        return epoch;
    }

    /** @return micro-batches of the current epoch consumed, for {@link TrainerState} */
    public int batch() {
        return batch;
    }

    /** @return epochs done, fractional (TRL's {@code epoch}) */
    public double progress() {
        return epoch + (double) batch / batchesPerEpoch();
    }

    /** The same shuffle as {@link ai.kaizen.trainer.sft.SftTrainer}'s: {@code java.util.Random} seeded from the run's seed and the epoch. */
    static List<Integer> order(int size, long seed, int epoch) {
        List<Integer> order = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        return order;
    }
}
