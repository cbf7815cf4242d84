package ai.kaizen.db.dataset;

import org.hibernate.reactive.stage.Stage;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Dataset versions and their items. */
public final class DatasetRepository {

    private final Stage.SessionFactory sessions;

    public DatasetRepository(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /**
     * Stores a version and its items in one transaction; completes with the version, its id assigned, once
     * committed.
     */
    public CompletionStage<DatasetVersion> record(DatasetVersion version, List<DatasetItem> items) {
        return sessions.withTransaction(s -> s.persist(version)
                // the identity is assigned by the insert, which persist has run; the items need it
                .thenCompose(done -> {
                    items.forEach(item -> item.attachTo(version.id()));
                    return s.persist(items.toArray());
                })
                .thenApply(done -> version));
    }

    public CompletionStage<Optional<DatasetVersion>> find(long id) {
        return sessions.withSession(s -> s.find(DatasetVersion.class, id)).thenApply(Optional::ofNullable);
    }

    /** The items of a version, in dataset order. */
    public CompletionStage<List<DatasetItem>> items(long versionId) {
        return sessions.withSession(s -> s
                .createSelectionQuery("from DatasetItem where versionId = :v order by position", DatasetItem.class)
                .setParameter("v", versionId)
                .getResultList());
    }

    /** Every version, newest first. */
    public CompletionStage<List<DatasetVersion>> list() {
        return sessions.withSession(s -> s
                .createSelectionQuery("from DatasetVersion order by id desc", DatasetVersion.class)
                .getResultList());
    }
}
