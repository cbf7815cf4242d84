package ai.kaizen.db.feedback;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One rater's judgement of one answer: thumbs (+1/-1), stars (1-5), reasons for a thumbs down, a comment. Any part
 * may be absent. There is at most one per answer and rater; a new judgement updates it.
 */
@Entity
@Table(name = "rating")
public class Rating {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "message_id", nullable = false)
    private UUID messageId;

    @Column(name = "rater", nullable = false, length = 80)
    private String rater;

    @Column(name = "thumbs")
    private Short thumbs;

    @Column(name = "stars")
    private Short stars;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "reasons", nullable = false, columnDefinition = "_text") // PostgreSQL's own name for text[], as the schema validator reads it
    private String[] reasons;

    @Column(name = "comment", columnDefinition = "text")
    private String comment;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected Rating() {
    }

    public Rating(UUID messageId, String rater) {
        this.messageId = messageId;
        this.rater = rater;
        this.reasons = new String[0];
        this.createdAt = Instant.now();
        this.updatedAt = createdAt;
    }

    /** A rating as a statement returned it (see {@link FeedbackRepository}). */
    static Rating stored(long id, UUID messageId, String rater, Integer thumbs, Integer stars, List<String> reasons,
                         String comment, Instant updatedAt) {
        Rating rating = new Rating(messageId, rater);
        rating.id = id;
        rating.thumbs = thumbs == null ? null : thumbs.shortValue();
        rating.stars = stars == null ? null : stars.shortValue();
        rating.reasons = reasons.toArray(String[]::new);
        rating.comment = comment;
        rating.updatedAt = updatedAt;
        return rating;
    }

    public Long id() {
        return id;
    }

    public UUID messageId() {
        return messageId;
    }

    public String rater() {
        return rater;
    }

    public Integer thumbs() {
        return thumbs == null ? null : thumbs.intValue();
    }

    public Integer stars() {
        return stars == null ? null : stars.intValue();
    }

    public List<String> reasons() {
        return List.of(reasons);
    }

    public String comment() {
        return comment;
    }

    public Instant updatedAt() {
        return updatedAt;
    }
}
