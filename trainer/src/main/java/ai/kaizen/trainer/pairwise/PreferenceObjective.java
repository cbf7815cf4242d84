package ai.kaizen.trainer.pairwise;

import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a preference algorithm adds to {@link PreferenceTrainingLoop}: its loss, its metrics and its
 * trainable weights, over its own kind of training example: a preference pair for the reward model
 * and DPO ({@link PairwiseObjective}), one answer labelled desirable or not for KTO.
 *
 * @param <E> a tokenised training example
 */
public interface PreferenceObjective<E> {

    /** @return the parameters the optimizer updates, by unique name */
    List<Pair<String, Parameter>> trainable();

    /**
     * Called once before the first update and before a checkpoint is restored, while the weights
     * are still the starting ones (DPO and KTO compute their reference log-probabilities here).
     *
     * @param train the training examples
     * @param eval the evaluation examples
     */
    default void prepare(List<E> train, List<E> eval) {}

    /**
     * Forward and backward over one micro-batch.
     *
     * @param examples the micro-batch
     * @param windowExamples examples in the whole accumulation window: the loss is divided by this,
     *     so that accumulated micro-batches equal one large batch
     * @param collector the gradient collector of the update
     * @return metrics summed over the micro-batch's examples, by TRL name ({@code loss} among them)
     */
    Map<String, Double> backward(List<E> examples, int windowExamples, GradientCollector collector);

    /** Called after every optimizer update (the model rebuilds its decoding copies). */
    void updated();

    /**
     * Scores examples without gradients.
     *
     * @param examples evaluation examples (at least one)
     * @return mean metrics by TRL name, without the {@code eval_} prefix
     */
    Map<String, Double> evaluate(List<E> examples);

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

    /**
     * @param example a training example
     * @return its real tokens (for {@code num_tokens} and tokens per second)
     */
    int tokens(E example);

    /**
     * Turns the sums {@link #backward} returned over a span of updates into the logged means. The
     * default divides every sum by the examples; an objective whose metric averages over a subset
     * (KTO's {@code rewards/chosen} over desirable answers only) returns that subset's count among
     * its sums and overrides this.
     *
     * @param sums metric sums over the span
     * @param examples training examples in the span
     * @return the means by TRL name
     */
    default Map<String, Double> means(Map<String, Double> sums, long examples) {
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((k, v) -> out.put(k, examples == 0 ? Double.NaN : v / examples));
        return out;
    }

    /** @return what one example is, in the throughput metric's name ({@code train_pairs_per_second}) */
    default String unit() {
        return "pairs";
    }
}
