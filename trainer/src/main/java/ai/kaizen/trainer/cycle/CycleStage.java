package ai.kaizen.trainer.cycle;

import io.vertx.core.json.JsonObject;

/**
 * One stage of a retraining cycle. It reads what earlier stages produced from the context, reports progress and
 * metrics through it, and returns what it produced (a JSON object, stored in the cycle's {@code stage_results}
 * so that a resumed cycle skips finished stages). A stage that trains a model puts its Hugging Face directory
 * under {@value #MODEL_DIR}: the newest such directory becomes the cycle's candidate.
 */
public interface CycleStage {

    /** The result key naming a trained model directory. */
    String MODEL_DIR = "model_dir";

    StageKind kind();

    /**
     * Runs the stage (blocking, on the trainer's main thread). Long stages check {@link CycleContext#stopRequested()}
     * between steps and resume from their own checkpoints under {@link CycleContext#stageDir(StageKind)}.
     */
    JsonObject run(CycleContext context) throws Exception;
}
