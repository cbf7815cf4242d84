package ai.kaizen.db.registry;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** One change of the serving model; the newest row names the version that serves. */
@Entity
@Table(name = "model_promotion")
public class ModelPromotion {

    /** Why the serving model changed. */
    public enum Action { promote, rollback, auto_promote }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "model_version_id", nullable = false)
    private Long modelVersionId;

    @Column(name = "action", nullable = false, length = 20)
    @jakarta.persistence.Enumerated(jakarta.persistence.EnumType.STRING)
    private Action action;

    @Column(name = "actor", nullable = false, length = 100)
    private String actor;

    @Column(name = "at", nullable = false)
    private Instant at;

    protected ModelPromotion() {
    }

    public ModelPromotion(long modelVersionId, Action action, String actor) {
        this.modelVersionId = modelVersionId;
        this.action = action;
        this.actor = actor;
        this.at = Instant.now();
    }

    public Long id() {
        return id;
    }

    public long modelVersionId() {
        return modelVersionId;
    }

    public Action action() {
        return action;
    }

    public String actor() {
        return actor;
    }

    public Instant at() {
        return at;
    }
}
