package ai.kaizen.trainer.dataset;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A dataset version, examples included.
 *
 * @param versionId  the dataset_version row that records it
 * @param cutOff     the feedback it read was given at or before this instant
 * @param train      the training examples, in dataset order
 * @param eval       the held-out examples, in dataset order
 * @param stats      counts by name: examples per source, and what was counted but not used (ties, both_bad,
 *                   conflicting verdicts...)
 */
public record Dataset<E extends Example>(long versionId, DatasetKind kind, Instant cutOff,
                                         DatasetParameters parameters, List<E> train, List<E> eval,
                                         Map<String, Integer> stats) {

    public Dataset {
        train = List.copyOf(train);
        eval = List.copyOf(eval);
        stats = Map.copyOf(stats);
    }

    /** Number of examples in both splits. */
    public int size() {
        return train.size() + eval.size();
    }
}
