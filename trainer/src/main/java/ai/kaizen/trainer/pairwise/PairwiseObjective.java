package ai.kaizen.trainer.pairwise;

import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a preference algorithm adds to {@link PairwiseTrainingLoop}: its loss, its metrics and its
 * trainable weights. The reward model and DPO differ only here.
 */
public interface PairwiseObjective {

    /** @return the parameters the optimizer updates, by unique name */
    List<Pair<String, Parameter>> trainable();

    /**
     * Called once before the first update and before a checkpoint is restored, while the weights
     * are still the starting ones (DPO computes its reference log-probabilities here).
     *
     * @param train the training pairs
     * @param eval the evaluation pairs
     */
    default void prepare(List<TokenizedPair> train, List<TokenizedPair> eval) {}

    /**
     * Forward and backward over one micro-batch.
     *
     * @param pairs the micro-batch
     * @param windowPairs pairs in the whole accumulation window: the loss is divided by this, so
     *     that accumulated micro-batches equal one large batch
     * @param collector the gradient collector of the update
     * @return metrics summed over the micro-batch's pairs, by TRL name ({@code loss} among them)
     */
    Map<String, Double> backward(List<TokenizedPair> pairs, int windowPairs, GradientCollector collector);

    /** Called after every optimizer update (the model rebuilds its decoding copies). */
    void updated();

    /**
     * Scores pairs without gradients.
     *
     * @param pairs evaluation pairs (at least one)
     * @return mean metrics by TRL name, without the {@code eval_} prefix
     */
    Map<String, Double> evaluate(List<TokenizedPair> pairs);

    /**
     * Writes the trainable weights into a checkpoint directory.
     *
     * @param dir the (temporary) checkpoint directory
     */
    void saveTrainable(Path dir);

    /**
     * Reads back what {@link #saveTrainable} wrote.
     *
     * @param dir the checkpoint directory
     */
    void restoreTrainable(Path dir);
}
