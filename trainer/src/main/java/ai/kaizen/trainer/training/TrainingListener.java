package ai.kaizen.trainer.training;

import java.nio.file.Path;
import java.util.Map;

/** Follows an SFT run (progress bars, job status in the database). Calls come from the training thread. */
public interface TrainingListener {

    /** A listener that ignores everything. */
    TrainingListener NONE = new TrainingListener() {};

    /**
     * A line was appended to {@code metrics.jsonl}.
     *
     * @param metrics the line's values by TRL name
     */
    default void onLog(Map<String, Number> metrics) {}

    /**
     * A checkpoint was written.
     *
     * @param directory the checkpoint directory
     */
    default void onCheckpoint(Path directory) {}

    /**
     * Asked after every update.
     *
     * @return true to stop the run now (as if it had finished: the output is still saved)
     */
    default boolean shouldStop() {
        return false;
    }
}
