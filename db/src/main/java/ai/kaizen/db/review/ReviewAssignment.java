package ai.kaizen.db.review;

import io.vertx.core.json.JsonObject;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** One reviewer's work on one task: open (with a draft), submitted or skipped; see the V5 migration. */
@Entity
@Table(name = "review_assignment")
public class ReviewAssignment {

    /** Where the work stands. */
    public enum Status {
        OPEN, SUBMITTED, SKIPPED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "task_id", nullable = false)
    private UUID taskId;

    @Column(name = "reviewer", nullable = false, length = 80)
    private String reviewer;

    @Column(name = "status", nullable = false, length = 10)
    private String status;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "draft", columnDefinition = "jsonb")
    private String draft;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "ranking", columnDefinition = "jsonb")
    private String ranking;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "labels", columnDefinition = "jsonb")
    private String labels;

    @Column(name = "ideal_message_id")
    private UUID idealMessageId;

    @Column(name = "skip_reason", length = 200)
    private String skipReason;

    @Column(name = "assigned_at", nullable = false)
    private Instant assignedAt;

    @Column(name = "submitted_at")
    private Instant submittedAt;

    @Column(name = "seconds")
    private Float seconds;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @Column(name = "edit_until")
    private Instant editUntil;

    protected ReviewAssignment() {
    }

    ReviewAssignment(UUID taskId, String reviewer) {
        this.taskId = taskId;
        this.reviewer = reviewer;
        this.status = Status.OPEN.label();
        this.assignedAt = Instant.now();
        this.updatedAt = assignedAt;
    }

    public Long id() {
        return id;
    }

    public UUID taskId() {
        return taskId;
    }

    public String reviewer() {
        return reviewer;
    }

    public Status status() {
        return Status.valueOf(status.toUpperCase(Locale.ROOT));
    }

    /** The reviewer's unsubmitted work, as the page saved it (any JSON). */
    public Optional<String> draft() {
        return Optional.ofNullable(draft);
    }

    public Optional<Ranking> ranking() {
        return Optional.ofNullable(ranking).map(json -> Ranking.fromJson(new JsonObject(json).getJsonArray("entries")));
    }

    public Optional<Labels> labels() {
        return Optional.ofNullable(labels).map(json -> Labels.fromJson(new JsonObject(json)));
    }

    /** The message holding the reviewer's ideal answer (an answer to the task's prompt). */
    public Optional<UUID> idealMessageId() {
        return Optional.ofNullable(idealMessageId);
    }

    public Optional<String> skipReason() {
        return Optional.ofNullable(skipReason);
    }

    public Instant assignedAt() {
        return assignedAt;
    }

    public Optional<Instant> submittedAt() {
        return Optional.ofNullable(submittedAt);
    }

    /** Seconds from hand-out to the first submission. */
    public Optional<Float> seconds() {
        return Optional.ofNullable(seconds);
    }

    public Instant updatedAt() {
        return updatedAt;
    }

    public Optional<Instant> editUntil() {
        return Optional.ofNullable(editUntil);
    }

    /** Whether a submission may still be changed at {@code now}. */
    public boolean editableAt(Instant now) {
        return status() == Status.OPEN || (status() == Status.SUBMITTED && editUntil != null && now.isBefore(editUntil));
    }

    void saveDraft(String json) {
        this.draft = json;
        this.updatedAt = Instant.now();
    }

    /** Records (or, within the edit window, replaces) the submitted work. */
    void submit(Ranking ranking, UUID idealMessageId, Labels labels, Duration editWindow) {
        Instant now = Instant.now();
        if (status() == Status.OPEN) {
            this.submittedAt = now;
            this.seconds = Duration.between(assignedAt, now).toMillis() / 1000f;
            this.editUntil = now.plus(editWindow);
        }
        this.status = Status.SUBMITTED.label();
        this.ranking = ranking == null ? null : new JsonObject().put("entries", ranking.toJson()).encode();
        this.idealMessageId = idealMessageId;
        this.labels = labels == null ? null : labels.toJson().encode();
        this.draft = null;
        this.updatedAt = now;
    }

    void skip(String reason) {
        this.status = Status.SKIPPED.label();
        this.skipReason = reason;
        this.draft = null;
        this.updatedAt = Instant.now();
    }
}
