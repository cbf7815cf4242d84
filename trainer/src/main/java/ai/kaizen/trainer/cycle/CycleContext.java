package ai.kaizen.trainer.cycle;

import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.trainer.registry.ArtifactStore;
import io.vertx.core.json.JsonObject;
import org.hibernate.reactive.stage.Stage;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a stage works with: the cycle's request, the model it trains from, the results of earlier stages, a
 * working directory, the database and the reporter.
 *
 * @param baseDir   the base model's files on this machine (checked against the registry's checksum)
 * @param home      Kaizen's home
 * @param workDir   this cycle's directory ({@code home/cycles/<id>}); kept across attempts (and saved to the
 *                  artifact store after each stage), so checkpoints survive
 * @param artifacts where the candidate model is stored
 */
public record CycleContext(long cycleId, JsonObject request, ModelVersion base, Path baseDir, Path home,
                           Path workDir, ArtifactStore artifacts, Stage.SessionFactory sessions, JsonObject results,
                           CycleReporter reporter) {

    /** The stage's own directory (checkpoints, outputs). */
    public Path stageDir(StageKind kind) {
        return workDir.resolve(kind.label());
    }

    /** The request's options for a stage (e.g. TRL options under {@code "sft"}); empty when none. */
    public JsonObject options(StageKind kind) {
        JsonObject options = request.getJsonObject(kind.label());
        return options == null ? new JsonObject() : options.copy();
    }

    /** What a finished stage produced. */
    public Optional<JsonObject> result(StageKind kind) {
        return Optional.ofNullable(results.getJsonObject(kind.label()));
    }

    /** The newest trained model: the last training stage's {@link CycleStage#MODEL_DIR}, else the base model. */
    public Path newestModelDir() {
        Path newest = baseDir;
        for (StageKind kind : StageKind.values()) {
            Optional<String> dir = result(kind).map(r -> r.getString(CycleStage.MODEL_DIR));
            if (kind.isTraining() && dir.isPresent()) {
                newest = Path.of(dir.get());
            }
        }
        return newest;
    }

    public void progress(StageKind kind, int step, int total) {
        reporter.progress(kind, step, total);
    }

    public void metrics(StageKind kind, int step, Map<String, ? extends Number> values) {
        reporter.metrics(kind, step, values);
    }

    public void log(String line) {
        reporter.log(line);
    }

    public boolean stopRequested() {
        return reporter.stopRequested();
    }
}
