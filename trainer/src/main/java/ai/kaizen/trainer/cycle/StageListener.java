package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;
import java.util.Map;

/**
 * What every training stage tells the cycle: progress and metrics as the trainer logs them, checkpoints in the
 * cycle's log, and a cancel request as the trainer's stop signal.
 */
final class StageListener implements TrainingListener {

    private final CycleContext context;
    private final StageKind kind;
    private final int total;

    StageListener(CycleContext context, StageKind kind, int total) {
        this.context = context;
        this.kind = kind;
        this.total = total;
    }

    @Override
    public void onLog(Map<String, Number> metrics) {
        int step = metrics.getOrDefault("step", 0).intValue();
        context.progress(kind, step, total);
        context.metrics(kind, step, metrics);
    }

    @Override
    public void onCheckpoint(Path directory) {
        context.log(kind.label() + ": checkpoint " + directory.getFileName());
    }

    @Override
    public boolean shouldStop() {
        return context.stopRequested();
    }
}
