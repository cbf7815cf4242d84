package ai.kaizen.db.review;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** Something reviewers are asked about one user message; see the V5 migration for the columns. */
@Entity
@Table(name = "review_task")
public class ReviewTask {

    /** What the reviewer does. */
    public enum Kind {
        RANK, IDEAL, LABEL;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Queue order: answers users disliked first, then uncertain ones, then random traffic. */
    public enum Priority {
        DISLIKED, UNCERTAIN, RANDOM
    }

    @Id
    private UUID id;

    @Column(name = "kind", nullable = false, length = 10)
    private String kind;

    @Column(name = "prompt_message_id", nullable = false)
    private UUID promptMessageId;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "candidate_ids", nullable = false, columnDefinition = "_uuid") // PostgreSQL's name for uuid[]
    private UUID[] candidateIds;

    @Column(name = "priority", nullable = false)
    private Short priority;

    @Column(name = "overlap", nullable = false)
    private Short overlap;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected ReviewTask() {
    }

    public ReviewTask(UUID id, Kind kind, UUID promptMessageId, List<UUID> candidateIds, Priority priority,
                      int overlap) {
        this.id = id;
        this.kind = kind.label();
        this.promptMessageId = promptMessageId;
        this.candidateIds = candidateIds.toArray(UUID[]::new);
        this.priority = (short) priority.ordinal();
        this.overlap = (short) overlap;
        this.createdAt = Instant.now();
    }

    public UUID id() {
        return id;
    }

    public Kind kind() {
        return Kind.valueOf(kind.toUpperCase(Locale.ROOT));
    }

    public UUID promptMessageId() {
        return promptMessageId;
    }

    /**
     * The answers to rank, in the order they are shown; for an ideal-answer task the answer to start from, for a
     * label task the answer to label.
     */
    public List<UUID> candidateIds() {
        return List.of(candidateIds);
    }

    public Priority priority() {
        return Priority.values()[priority];
    }

    public int overlap() {
        return overlap;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
