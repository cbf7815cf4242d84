package ai.kaizen.server.console;

import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.comparison.OnlineComparison;
import ai.kaizen.db.comparison.Tally;
import ai.kaizen.db.cycle.CycleLogLine;
import ai.kaizen.db.cycle.CycleMetric;
import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.db.humaneval.Vote;
import ai.kaizen.db.registry.ModelPromotion;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.server.comparison.HeadToHead;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/** The console API's JSON shapes, one place for each kind of row. */
final class ConsoleJson {

    private ConsoleJson() {
    }

    static JsonObject version(ModelVersion v, Long servingId) {
        return new JsonObject().put("id", v.id()).put("label", v.label()).put("parent_id", v.parentId())
                .put("dataset_version_id", v.datasetVersionId()).put("cycle_id", v.cycleId())
                .put("created_at", text(v.createdAt())).put("artifact_path", v.artifactPath())
                .put("sha256", v.sha256()).put("configuration", new JsonObject(v.configuration()))
                .put("metrics", new JsonObject(v.metrics()))
                .put("engine", v.engine().orElse(null)).put("engine_model", v.engineModel().orElse(null))
                .put("serving", servingId != null && servingId.equals(v.id()));
    }

    static JsonObject promotion(ModelPromotion p) {
        return new JsonObject().put("id", p.id()).put("model_version_id", p.modelVersionId())
                .put("action", p.action().name()).put("actor", p.actor()).put("at", text(p.at()));
    }

    static JsonObject cycle(TrainingCycle c) {
        return new JsonObject().put("id", c.id()).put("status", c.status().name())
                .put("request", new JsonObject(c.request())).put("requested_by", c.requestedBy())
                .put("created_at", text(c.createdAt())).put("started_at", text(c.startedAt()))
                .put("finished_at", text(c.finishedAt())).put("heartbeat_at", text(c.heartbeatAt()))
                .put("attempt", c.attempt()).put("stage", c.stage()).put("step", c.step())
                .put("total_steps", c.totalSteps()).put("stage_results", new JsonObject(c.stageResults()))
                .put("error", c.error()).put("candidate_version_id", c.candidateVersionId())
                .put("gate_report", c.gateReport() == null ? null : new JsonObject(c.gateReport()));
    }

    /** The audit trail of a cycle's human evaluation: every vote and skip, who cast it, and the candidate's side. */
    static JsonObject votes(List<Vote> votes) {
        return new JsonObject().put("votes", new JsonArray(votes.stream().map(v -> new JsonObject()
                .put("id", v.id()).put("task_id", v.taskId().toString()).put("position", v.position())
                .put("reviewer", v.reviewer()).put("choice", v.choice()).put("candidate_side", v.candidateSide())
                .put("for", v.choice() == null ? null : v.choice().equals(v.candidateSide()) ? "candidate"
                        : List.of("a", "b").contains(v.choice()) ? "serving" : v.choice())
                .put("skip_reason", v.skipReason()).put("voted_at", text(v.votedAt()))).toList()));
    }

    static JsonArray metrics(List<CycleMetric> metrics) {
        return new JsonArray(metrics.stream().map(m -> new JsonObject().put("id", m.id()).put("stage", m.stage())
                .put("step", m.step()).put("name", m.name()).put("value", m.value()).put("at", text(m.at())))
                .toList());
    }

    static JsonArray log(List<CycleLogLine> lines) {
        return new JsonArray(lines.stream().map(l -> new JsonObject().put("id", l.id()).put("at", text(l.at()))
                .put("line", l.line())).toList());
    }

    static JsonObject audit(AuditLog.Entry e) {
        return new JsonObject().put("id", e.id()).put("at", text(e.at())).put("actor", e.actor())
                .put("action", e.action()).put("details", new JsonObject(e.details()));
    }

    /**
     * A comparison and its head-to-head result: the challenger's win rate over the baseline with its always-valid 95%
     * interval ({@code ci_low}, {@code ci_high}), the decided votes and the minimum before a verdict.
     */
    static JsonObject comparison(OnlineComparison c, HeadToHead result) {
        Tally t = result.tally();
        return new JsonObject().put("id", c.id())
                .put("baseline", new JsonObject().put("id", c.baselineVersionId()).put("label", c.baselineLabel()))
                .put("challenger", new JsonObject().put("id", c.challengerVersionId())
                        .put("label", c.challengerLabel()))
                .put("share", c.share()).put("reason", c.reason()).put("started_by", c.startedBy())
                .put("started_at", text(c.startedAt())).put("ended_at", text(c.endedAt())).put("running", c.running())
                .put("choices", t.total()).put("challenger_wins", t.challengerWins())
                .put("baseline_wins", t.baselineWins()).put("ties", t.ties()).put("both_bad", t.bothBad())
                .put("win_rate", result.winRate()).put("ci_low", result.lower()).put("ci_high", result.upper())
                .put("elo_difference", result.eloDifference())
                .put("decided_votes", result.decidedVotes()).put("min_votes", result.minVotes())
                .put("verdict", result.verdict());
    }

    static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
