package ai.kaizen.db.registry;

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
 * One registered model: its label (what every stored answer records as its model version), where its files are,
 * their SHA-256, its lineage (parent version, dataset version, cycle, configuration and metrics as JSON), and which
 * engine serves it under what name (where it differs from the servers' {@code serving.*} settings).
 */
@Entity
@Table(name = "model_version")
public class ModelVersion {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "label", nullable = false, length = 200)
    private String label;

    @Column(name = "parent_id")
    private Long parentId;

    @Column(name = "dataset_version_id")
    private Long datasetVersionId;

    @Column(name = "cycle_id")
    private Long cycleId;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "artifact_path", nullable = false, columnDefinition = "text")
    private String artifactPath;

    @Column(name = "sha256", nullable = false, length = 64)
    private String sha256;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "configuration", nullable = false, columnDefinition = "jsonb")
    private String configuration;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "metrics", nullable = false, columnDefinition = "jsonb")
    private String metrics;

    /** {@code local} or {@code openai}; null follows the servers' {@code serving.engine}. */
    @Column(name = "engine", length = 20)
    private String engine;

    /** The {@code model} an external engine's requests name; null follows {@code serving.engine-model}. */
    @Column(name = "engine_model", length = 200)
    private String engineModel;

    protected ModelVersion() {
    }

    /**
     * @param configurationJson how it was trained, a JSON object
     * @param metricsJson       what was measured, a JSON object
     */
    public ModelVersion(String label, Long parentId, Long datasetVersionId, Long cycleId, String artifactPath,
                        String sha256, String configurationJson, String metricsJson) {
        this.label = label;
        this.parentId = parentId;
        this.datasetVersionId = datasetVersionId;
        this.cycleId = cycleId;
        this.createdAt = Instant.now();
        this.artifactPath = artifactPath;
        this.sha256 = sha256;
        this.configuration = configurationJson;
        this.metrics = metricsJson;
    }

    public Long id() {
        return id;
    }

    public String label() {
        return label;
    }

    public Long parentId() {
        return parentId;
    }

    public Long datasetVersionId() {
        return datasetVersionId;
    }

    public Long cycleId() {
        return cycleId;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public String artifactPath() {
        return artifactPath;
    }

    public String sha256() {
        return sha256;
    }

    public String configuration() {
        return configuration;
    }

    public String metrics() {
        return metrics;
    }

    /** The engine that serves this version ({@code local}, {@code openai}), when it names one of its own. */
    public java.util.Optional<String> engine() {
        return java.util.Optional.ofNullable(engine);
    }

    /** What an external engine calls this version, when recorded. */
    public java.util.Optional<String> engineModel() {
        return java.util.Optional.ofNullable(engineModel);
    }

    /** Names the engine that serves this version and its name there (nulls follow the servers' settings). */
    public ModelVersion servedBy(String engine, String engineModel) {
        this.engine = engine;
        this.engineModel = engineModel;
        return this;
    }
}
