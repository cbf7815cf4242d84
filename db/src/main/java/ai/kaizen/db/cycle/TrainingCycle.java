package ai.kaizen.db.cycle;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.Instant;

/**
 * One retraining cycle: what the operator asked for ({@link #request()}, JSON) and where the trainer is. Changed
 * through {@link CycleRepository} only, by single UPDATE statements, because the server and the trainer process
 * both write it.
 */
@Entity
@Table(name = "training_cycle")
public class TrainingCycle {

    /**
     * Where a cycle is in its life. A cycle that ran to its end is {@code succeeded} (its gate passed, or it had no
     * evaluate stage), {@code gate_failed} (the gate judged its candidate worse) or {@code no_verdict} (the gate had
     * too little held-out evidence to judge); {@code failed} is a cycle that could not run to its end. A cycle
     * whose gate asks reviewers for a blind comparison waits as {@code awaiting_human_eval} (no trainer runs) until
     * their votes are in.
     */
    public enum Status {
        queued, running, awaiting_human_eval, succeeded, gate_failed, no_verdict, failed, cancelled;

        public boolean isActive() {
            return this == queued || this == running;
        }

        /** Not ended yet: a trainer works on it, or it waits for reviewers' votes. */
        public boolean isOpen() {
            return isActive() || this == awaiting_human_eval;
        }

        /** Ran to its end with a candidate the gate did not pass: promoting it needs an operator's override. */
        public boolean isGateRefusal() {
            return this == gate_failed || this == no_verdict;
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "status", nullable = false, length = 20)
    @jakarta.persistence.Enumerated(jakarta.persistence.EnumType.STRING)
    private Status status;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "request", nullable = false, columnDefinition = "jsonb")
    private String request;

    @Column(name = "requested_by", nullable = false, length = 100)
    private String requestedBy;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "started_at")
    private Instant startedAt;

    @Column(name = "finished_at")
    private Instant finishedAt;

    @Column(name = "heartbeat_at")
    private Instant heartbeatAt;

    @Column(name = "attempt", nullable = false)
    private Integer attempt;

    @Column(name = "stage", length = 30)
    private String stage;

    @Column(name = "step", nullable = false)
    private Integer step;

    @Column(name = "total_steps", nullable = false)
    private Integer totalSteps;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "stage_results", nullable = false, columnDefinition = "jsonb")
    private String stageResults;

    @Column(name = "error", columnDefinition = "text")
    private String error;

    @Column(name = "candidate_version_id")
    private Long candidateVersionId;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "gate_report", columnDefinition = "jsonb")
    private String gateReport;

    /** For a cycle the schedule started: the newest cycle when it did (0: none), which no other may follow. */
    @Column(name = "scheduled_after")
    private Long scheduledAfter;

    protected TrainingCycle() {
    }

    /** A new queued cycle; {@code requestJson} is what the operator asked for, a JSON object. */
    public TrainingCycle(String requestJson, String requestedBy) {
        this(requestJson, requestedBy, null);
    }

    /**
     * A new queued cycle; {@code scheduledAfter}, for a cycle the schedule starts, is the id of the newest cycle
     * then (0: none), null for one an operator starts.
     */
    public TrainingCycle(String requestJson, String requestedBy, Long scheduledAfter) {
        this.scheduledAfter = scheduledAfter;
        this.status = Status.queued;
        this.request = requestJson;
        this.requestedBy = requestedBy;
        this.createdAt = Instant.now();
        // a queued cycle's trainer must claim it within the heartbeat timeout, or the cycle is failed
        this.heartbeatAt = createdAt;
        this.attempt = 0;
        this.step = 0;
        this.totalSteps = 0;
        this.stageResults = "{}";
    }

    public Long id() {
        return id;
    }

    /** For a cycle the schedule started, the newest cycle then (0: none); empty for one an operator started. */
    public java.util.OptionalLong scheduledAfter() {
        return scheduledAfter == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(scheduledAfter);
    }

    public Status status() {
        return status;
    }

    public String request() {
        return request;
    }

    public String requestedBy() {
        return requestedBy;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant finishedAt() {
        return finishedAt;
    }

    public Instant heartbeatAt() {
        return heartbeatAt;
    }

    public int attempt() {
        return attempt;
    }

    public String stage() {
        return stage;
    }

    public int step() {
        return step;
    }

    public int totalSteps() {
        return totalSteps;
    }

    /** What each finished stage produced, a JSON object keyed by stage name. */
    public String stageResults() {
        return stageResults;
    }

    public String error() {
        return error;
    }

    public Long candidateVersionId() {
        return candidateVersionId;
    }

    /** The evaluation gate's report, a JSON object; null until the gate ran. */
    public String gateReport() {
        return gateReport;
    }
}
