package ai.kaizen.trainer.cycle;

import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.db.registry.ModelPromotion;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.trainer.registry.ArtifactStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.hibernate.reactive.stage.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one retraining cycle to its end, in the trainer process: takes the queued cycle, runs its stages in order
 * (skipping those an earlier attempt finished, whose results are in the cycle's row), records every stage's
 * result, and finally the candidate and the gate's verdict. The cycle ends as the verdict says: succeeded (the
 * gate passed, or the cycle had no evaluate stage), gate_failed or no_verdict; it promotes the candidate when the
 * request asks for {@code auto_promote} and the gate passed, never otherwise. A failure marks the cycle failed with
 * a one-line reason; a cycle that was cancelled meanwhile is left as it is.
 */
public final class CycleRunner {

    /** The stages a request without {@code "stages"} runs. */
    public static final List<StageKind> DEFAULT_STAGES = List.of(StageKind.DATASET, StageKind.SFT,
            StageKind.EVALUATE);
    /** The result key holding the model version the cycle trains from. */
    private static final String BASE = "base";

    private static final Logger log = LoggerFactory.getLogger(CycleRunner.class);

    /**
     * How a run ended. A gate that fails or gives no verdict is a decision, not a failure of the trainer: only
     * {@code FAILED} is one.
     */
    public enum Outcome { SUCCEEDED, GATE_FAILED, NO_VERDICT, AWAITING_HUMAN_EVALUATION, FAILED, STOPPED }

    private final Stage.SessionFactory sessions;
    private final Path home;
    private final Duration heartbeat;
    private final CycleRepository cycles;
    private final ArtifactStore artifacts;

    /**
     * @param artifacts where the base model is read from, the candidate stored, and the cycle's working files
     *                  saved after each stage (and brought back when a resumed cycle runs on another machine)
     */
    public CycleRunner(Stage.SessionFactory sessions, Path home, Duration heartbeat, ArtifactStore artifacts) {
        this.sessions = sessions;
        this.home = home;
        this.heartbeat = heartbeat;
        this.cycles = new CycleRepository(sessions);
        this.artifacts = artifacts;
    }

    /** The stages a request names, checked against what this build can run. */
    public static List<StageKind> stagesOf(JsonObject request) {
        JsonArray names = request.getJsonArray("stages");
        if (names == null) {
            return DEFAULT_STAGES;
        }
        List<StageKind> stages = new ArrayList<>();
        for (Object name : names) {
            StageKind kind = StageKind.parse(String.valueOf(name));
            if (!CycleStages.available().contains(kind)) {
                throw new IllegalArgumentException("the " + kind.label() + " stage is not available in this build"
                        + " yet; available: " + CycleStages.available().stream().map(StageKind::label).toList());
            }
            if (!stages.isEmpty() && kind.ordinal() <= stages.get(stages.size() - 1).ordinal()) {
                throw new IllegalArgumentException("stages must come once each, in the order "
                        + java.util.Arrays.stream(StageKind.values()).map(StageKind::label).toList());
            }
            stages.add(kind);
        }
        if (stages.contains(StageKind.EVALUATE) && !stages.contains(StageKind.DATASET)) {
            throw new IllegalArgumentException("the evaluate stage needs the dataset stage");
        }
        if (stages.contains(StageKind.EXTERNAL)) {
            if (!stages.contains(StageKind.DATASET)) {
                throw new IllegalArgumentException("the external stage needs the dataset stage");
            }
            if (ExternalStage.method(request).isEmpty()) {
                throw new IllegalArgumentException("the external stage needs external.method: "
                        + java.util.Arrays.stream(TrlMethod.values()).map(TrlMethod::command).toList());
            }
        }
        return stages;
    }

    /** Runs cycle {@code id}, which must be queued. */
    public Outcome run(long id) {
        if (!CycleReporter.await(cycles.claim(id))) {
            String status = CycleReporter.await(cycles.find(id)).map(c -> c.status().name()).orElse("missing");
            throw new IllegalStateException("cycle " + id + " is not queued (it is " + status + ")");
        }
        try (CycleReporter reporter = new CycleReporter(cycles, id, heartbeat)) {
            try {
                return switch (runStages(id, reporter)) {
                    case gate_failed -> Outcome.GATE_FAILED;
                    case no_verdict -> Outcome.NO_VERDICT;
                    case awaiting_human_eval -> Outcome.AWAITING_HUMAN_EVALUATION;
                    default -> Outcome.SUCCEEDED;
                };
            } catch (CycleStopped e) {
                log.info("cycle {} stopped: {}", id, e.getMessage());
                saveWork(id); // a cycle failed for a missed heartbeat can be resumed elsewhere
                return Outcome.STOPPED;
            } catch (Exception | Error e) {
                String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                log.error("cycle {} failed", id, e);
                saveWork(id); // the checkpoints of the stage that failed, for a resume elsewhere
                try {
                    reporter.log("failed: " + reason);
                } finally {
                    CycleReporter.await(cycles.fail(id, reason.lines().findFirst().orElse(reason)));
                }
                return Outcome.FAILED;
            }
        }
    }

    /** Runs the stages not yet done; returns how the cycle ended. */
    private TrainingCycle.Status runStages(long id, CycleReporter reporter) throws Exception {
        TrainingCycle cycle = CycleReporter.await(cycles.find(id)).orElseThrow();
        JsonObject request = new JsonObject(cycle.request());
        JsonObject results = new JsonObject(cycle.stageResults());
        List<StageKind> stages = stagesOf(request);
        ModelRegistry registry = new ModelRegistry(sessions);
        ModelVersion base = baseOf(id, request, results, registry);
        Path workDir = workDir(id);
        artifacts.restoreCycle(id, workDir);
        Path baseDir = artifacts.open(base.artifactPath(), base.sha256());
        reporter.log("attempt " + cycle.attempt() + ": stages " + stages.stream().map(StageKind::label).toList()
                + " from model version " + base.id() + " (" + base.label() + ")");
        CycleContext context = new CycleContext(id, request, base, baseDir, home, workDir, artifacts, sessions,
                results, reporter);
        for (StageKind kind : stages) {
            if (results.containsKey(kind.label())) {
                reporter.log(kind.label() + ": done in an earlier attempt");
                continue;
            }
            if (reporter.stopRequested()) {
                throw new CycleStopped();
            }
            reporter.progress(kind, 0, 0);
            JsonObject result = CycleStages.of(kind).run(context);
            artifacts.saveCycle(id, workDir);
            if (!CycleReporter.await(cycles.stageDone(id, kind.label(), result.encode()))) {
                throw new CycleStopped();
            }
            results.put(kind.label(), result);
        }
        JsonObject evaluation = results.getJsonObject(StageKind.EVALUATE.label());
        Long candidate = evaluation == null ? null : evaluation.getLong("candidate_version_id");
        String report = CycleReporter.await(cycles.find(id)).map(TrainingCycle::gateReport).orElse(null);
        if (evaluation != null && HumanPreference.PENDING.equals(evaluation.getString("verdict"))) {
            // No trainer is needed while reviewers vote: the server counts their votes and ends the cycle (and
            // promotes its candidate when auto_promote asks and the gate passes).
            if (!CycleReporter.await(cycles.awaitHumanEvaluation(id, candidate, report))) {
                throw new CycleStopped();
            }
            reporter.log("awaiting human evaluation; candidate model version " + candidate);
            return TrainingCycle.Status.awaiting_human_eval;
        }
        TrainingCycle.Status status = endStatus(evaluation);
        if (!CycleReporter.await(cycles.finish(id, status, candidate, report))) {
            throw new CycleStopped();
        }
        reporter.log("cycle ended: " + status.name().replace('_', ' ')
                + (candidate == null ? "" : "; candidate model version " + candidate));
        if (request.getBoolean("auto_promote", false) && candidate != null) {
            if (status == TrainingCycle.Status.succeeded) {
                CycleReporter.await(registry.promote(candidate, ModelPromotion.Action.auto_promote, "cycle " + id));
                CycleReporter.await(new AuditLog(sessions).record("cycle " + id, "auto_promote",
                        new JsonObject().put("model_version_id", candidate).put("cycle_id", id).encode()));
                reporter.log("the gate passed: model version " + candidate + " promoted");
            } else {
                reporter.log("auto_promote: model version " + candidate + " not promoted, the gate did not pass");
            }
        }
        return status;
    }

    private Path workDir(long id) throws java.io.IOException {
        return Files.createDirectories(home.resolve("cycles").resolve(Long.toString(id)));
    }

    /** Saves the cycle's working files to the artifact store, if it can: a failure to do so is only logged. */
    private void saveWork(long id) {
        try {
            artifacts.saveCycle(id, workDir(id));
        } catch (Exception e) {
            log.warn("cycle {}: cannot save its working files: {}", id, e.getMessage());
        }
    }

    /**
     * How a cycle that ran every stage ends, from its evaluate stage's result: succeeded only when the gate passed
     * (or there was no gate); a result without a verdict (written before verdicts existed) counts as its
     * {@code passed} flag says.
     */
    public static TrainingCycle.Status endStatus(JsonObject evaluation) {
        if (evaluation == null) {
            return TrainingCycle.Status.succeeded;
        }
        String verdict = evaluation.getString("verdict",
                evaluation.getBoolean("passed", false) ? GateVerdict.Verdict.PASS.label()
                        : GateVerdict.Verdict.FAIL.label());
        if (verdict.equals(GateVerdict.Verdict.PASS.label())) {
            return TrainingCycle.Status.succeeded;
        }
        return verdict.equals(GateVerdict.Verdict.NO_VERDICT.label()) ? TrainingCycle.Status.no_verdict
                : TrainingCycle.Status.gate_failed;
    }

    /** The version the cycle trains from: as asked, else what served when it first started (kept for resumes). */
    private ModelVersion baseOf(long id, JsonObject request, JsonObject results, ModelRegistry registry) {
        Long baseId = results.containsKey(BASE) ? results.getJsonObject(BASE).getLong("model_version_id")
                : request.getLong("base_version_id");
        ModelVersion base = baseId != null
                ? CycleReporter.await(registry.find(baseId)).orElseThrow(() ->
                        new IllegalArgumentException("no model version " + baseId + " to train from"))
                : CycleReporter.await(registry.serving()).orElseThrow(() ->
                        new IllegalStateException("no model serves yet, so there is nothing to train from"));
        if (!results.containsKey(BASE)) {
            JsonObject value = new JsonObject().put("model_version_id", base.id());
            CycleReporter.await(cycles.stageDone(id, BASE, value.encode()));
            results.put(BASE, value);
        }
        return base;
    }
}
