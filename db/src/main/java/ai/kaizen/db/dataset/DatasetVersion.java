package ai.kaizen.db.dataset;

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
 * One build of a training dataset: its kind ({@code sft}, {@code preference}, {@code thumbs}), the cut-off it read
 * the feedback at, the parameters it used (JSON), how many examples went to each split and what was counted but
 * left out (JSON). Its examples are {@link DatasetItem}s.
 */
@Entity
@Table(name = "dataset_version")
public class DatasetVersion {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "kind", nullable = false, length = 20)
    private String kind;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "cut_off", nullable = false)
    private Instant cutOff;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "parameters", nullable = false, columnDefinition = "jsonb")
    private String parameters;

    @Column(name = "train_count", nullable = false)
    private Integer trainCount;

    @Column(name = "eval_count", nullable = false)
    private Integer evalCount;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "stats", nullable = false, columnDefinition = "jsonb")
    private String stats;

    protected DatasetVersion() {
    }

    /**
     * @param kind           {@code sft}, {@code preference} or {@code thumbs}
     * @param parametersJson the build parameters, a JSON object
     * @param statsJson      counts by name, a JSON object
     */
    public DatasetVersion(String kind, Instant cutOff, String parametersJson, int trainCount, int evalCount,
                          String statsJson) {
        this.kind = kind;
        this.createdAt = Instant.now();
        this.cutOff = cutOff;
        this.parameters = parametersJson;
        this.trainCount = trainCount;
        this.evalCount = evalCount;
        this.stats = statsJson;
    }

    public Long id() {
        return id;
    }

    public String kind() {
        return kind;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant cutOff() {
        return cutOff;
    }

    /** The build parameters, a JSON object. */
    public String parameters() {
        return parameters;
    }

    public int trainCount() {
        return trainCount;
    }

    public int evalCount() {
        return evalCount;
    }

    /** Counts by name (examples per source, skipped ties...), a JSON object. */
    public String stats() {
        return stats;
    }
}
