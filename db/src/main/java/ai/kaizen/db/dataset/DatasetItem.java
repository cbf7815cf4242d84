package ai.kaizen.db.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One example of a {@link DatasetVersion}: which feedback produced it and which messages it is made of, so that the
 * version can be rebuilt exactly. See the V4 migration for what each column means.
 */
@Entity
@Table(name = "dataset_item")
@IdClass(DatasetItem.Key.class)
public class DatasetItem {

    /** The composite key: the version and the example's position in it. */
    public static class Key implements Serializable {
        private Long versionId;
        private Integer position;

        protected Key() {
        }

        public Key(Long versionId, Integer position) {
            this.versionId = versionId;
            this.position = position;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(versionId, k.versionId) && Objects.equals(position, k.position);
        }

        @Override
        public int hashCode() {
            return Objects.hash(versionId, position);
        }
    }

    @Id
    @Column(name = "dataset_version_id", nullable = false)
    private Long versionId;

    @Id
    @Column(name = "position", nullable = false)
    private Integer position;

    @Column(name = "split", nullable = false, length = 5)
    private String split;

    @Column(name = "source_kind", nullable = false, length = 30)
    private String sourceKind;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "source_ids", nullable = false, columnDefinition = "_text") // PostgreSQL's name for text[]
    private String[] sourceIds;

    @Column(name = "prompt_message_id")
    private UUID promptMessageId;

    @Column(name = "answer_id")
    private UUID answerId;

    @Column(name = "other_answer_id")
    private UUID otherAnswerId;

    @Column(name = "label")
    private Short label;

    protected DatasetItem() {
    }

    /**
     * An item not yet attached to a version ({@link DatasetRepository#record} attaches it).
     *
     * @param split         {@code train} or {@code eval}
     * @param label         1 or -1 for a thumbs example, otherwise null
     */
    public DatasetItem(int position, String split, String sourceKind, List<String> sourceIds, UUID promptMessageId,
                       UUID answerId, UUID otherAnswerId, Integer label) {
        this.position = position;
        this.split = split;
        this.sourceKind = sourceKind;
        this.sourceIds = sourceIds.toArray(String[]::new);
        this.promptMessageId = promptMessageId;
        this.answerId = answerId;
        this.otherAnswerId = otherAnswerId;
        this.label = label == null ? null : label.shortValue();
    }

    void attachTo(Long datasetVersionId) {
        this.versionId = datasetVersionId;
    }

    public Long versionId() {
        return versionId;
    }

    public int position() {
        return position;
    }

    public String split() {
        return split;
    }

    public String sourceKind() {
        return sourceKind;
    }

    public List<String> sourceIds() {
        return List.of(sourceIds);
    }

    public UUID promptMessageId() {
        return promptMessageId;
    }

    public UUID answerId() {
        return answerId;
    }

    public UUID otherAnswerId() {
        return otherAnswerId;
    }

    public Integer label() {
        return label == null ? null : label.intValue();
    }
}
