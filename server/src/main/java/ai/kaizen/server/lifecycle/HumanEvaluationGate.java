package ai.kaizen.server.lifecycle;

import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.db.humaneval.HumanEvalRepository;
import ai.kaizen.db.humaneval.HumanEvaluation;
import ai.kaizen.db.humaneval.VoteCounts;
import ai.kaizen.db.registry.ModelPromotion;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.trainer.cycle.CycleRunner;
import ai.kaizen.trainer.cycle.HumanPreference;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * The server's side of the gate's human step. A cycle that awaits human evaluation has no trainer: after every vote,
 * and on the cycle watchdog's tick (for votes taken by other servers and for expiry), this counts the cycle's votes;
 * until they are due it refreshes the progress in the gate's report, then it writes the final verdict
 * ({@link HumanPreference#conclude}), ends the cycle as the verdict says and, when the request asked for
 * {@code auto_promote} and the gate passed, promotes the candidate as the trainer would have. Ending is one
 * conditional UPDATE, so among several servers, or against an operator's cancel, exactly one wins.
 */
public final class HumanEvaluationGate {

    private static final Logger log = LoggerFactory.getLogger(HumanEvaluationGate.class);

    private final CycleRepository cycles;
    private final HumanEvalRepository votes;
    private final ModelRegistry registry;
    private final AuditLog audit;

    public HumanEvaluationGate(CycleRepository cycles, HumanEvalRepository votes, ModelRegistry registry,
                               AuditLog audit) {
        this.cycles = cycles;
        this.votes = votes;
        this.registry = registry;
        this.audit = audit;
    }

    /** Settles every cycle that awaits votes, one after another. */
    public Future<Void> settleAll() {
        return Future.fromCompletionStage(cycles.awaitingHumanEvaluation()).compose(waiting -> {
            Future<Void> chain = Future.succeededFuture();
            for (TrainingCycle cycle : waiting) {
                chain = chain.compose(done -> settle(cycle.id()).mapEmpty());
            }
            return chain;
        });
    }

    /**
     * Counts cycle {@code id}'s votes and ends it when they are due; completes with the cycle's status afterwards
     * (unchanged when it did not await votes).
     */
    public Future<TrainingCycle.Status> settle(long id) {
        return Future.fromCompletionStage(cycles.find(id)).compose(found -> {
            if (found.isEmpty() || found.get().status() != TrainingCycle.Status.awaiting_human_eval) {
                return Future.succeededFuture(found.map(TrainingCycle::status).orElse(null));
            }
            TrainingCycle cycle = found.get();
            return Future.fromCompletionStage(votes.evaluation(id)).compose(evaluation -> {
                if (evaluation.isEmpty()) {
                    // the trainer records the request for votes before the cycle awaits them
                    return Future.failedFuture(new IllegalStateException("cycle " + id
                            + " awaits human evaluation but asked for no votes"));
                }
                return Future.fromCompletionStage(votes.counts(id))
                        .compose(counts -> settle(cycle, evaluation.get(), counts));
            });
        });
    }

    private Future<TrainingCycle.Status> settle(TrainingCycle cycle, HumanEvaluation evaluation, VoteCounts counts) {
        JsonObject report = new JsonObject(cycle.gateReport());
        boolean expired = !Instant.now().isBefore(evaluation.expiresAt());
        if (!HumanPreference.due(counts, evaluation.votesRequired(), expired)) {
            int prompts = report.getJsonObject("human_evaluation", new JsonObject()).getInteger("prompts", 0);
            JsonObject progress = HumanPreference.pending(report, counts, evaluation.votesRequired(),
                    evaluation.expiresAt(), prompts);
            if (progress.equals(report)) {
                return Future.succeededFuture(cycle.status());
            }
            return Future.fromCompletionStage(cycles.pendingGateReport(cycle.id(), progress.encode()))
                    .map(cycle.status());
        }
        JsonObject done = HumanPreference.conclude(report, counts, evaluation.votesRequired(), expired);
        TrainingCycle.Status status = CycleRunner.endStatus(done);
        return Future.fromCompletionStage(cycles.endHumanEvaluation(cycle.id(), status, done.encode()))
                .compose(ended -> {
                    if (!ended) {
                        return Future.fromCompletionStage(cycles.find(cycle.id()))
                                .map(c -> c.map(TrainingCycle::status).orElse(null));
                    }
                    log.info("cycle {}: {}", cycle.id(), done.getString("reason"));
                    return Future.fromCompletionStage(cycles.log(cycle.id(), "human evaluation: "
                                    + done.getString("reason")))
                            .compose(x -> Future.fromCompletionStage(cycles.log(cycle.id(), "cycle ended: "
                                    + status.name().replace('_', ' ') + "; candidate model version "
                                    + evaluation.candidateVersionId())))
                            .compose(x -> autoPromote(cycle, evaluation.candidateVersionId(), status))
                            .map(status);
                });
    }

    /** As the trainer does at a cycle's end: only a candidate whose gate passed, and only when asked. */
    private Future<Void> autoPromote(TrainingCycle cycle, long candidate, TrainingCycle.Status status) {
        if (!new JsonObject(cycle.request()).getBoolean("auto_promote", false)) {
            return Future.succeededFuture();
        }
        if (status != TrainingCycle.Status.succeeded) {
            return Future.fromCompletionStage(cycles.log(cycle.id(), "auto_promote: model version " + candidate
                    + " not promoted, the gate did not pass"));
        }
        String actor = "cycle " + cycle.id();
        return Future.fromCompletionStage(registry.promote(candidate, ModelPromotion.Action.auto_promote, actor))
                .compose(p -> Future.fromCompletionStage(audit.record(actor, "auto_promote", new JsonObject()
                        .put("model_version_id", candidate).put("cycle_id", cycle.id()).encode())))
                .compose(x -> Future.fromCompletionStage(cycles.log(cycle.id(), "the gate passed: model version "
                        + candidate + " promoted")));
    }
}
