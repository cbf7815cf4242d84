package ai.kaizen.db.registry;

import org.hibernate.reactive.stage.Stage;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The registered model versions and which one serves. Promoting (or rolling back) appends a
 * {@link ModelPromotion} and, in the same transaction, sends {@value #CHANNEL} notification carrying the version's
 * id: PostgreSQL delivers it only when the transaction commits, so no server swaps to a promotion that was not made.
 */
public final class ModelRegistry {

    /** The LISTEN/NOTIFY channel on which promotions are announced; the payload is the model version id. */
    public static final String CHANNEL = "kaizen_model_promoted";

    private final Stage.SessionFactory sessions;

    public ModelRegistry(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /** Records a new version; completes with it, its id assigned. Fails if the label is taken. */
    public CompletionStage<ModelVersion> register(ModelVersion version) {
        return sessions.withTransaction(s -> s.persist(version).thenApply(done -> version));
    }

    /**
     * Records which engine serves version {@code id} and under what name (nulls: the servers' settings); completes
     * with the version, empty when there is none. A server that serves it now picks the change up at the version's
     * next switch (a promotion, or {@code POST /api/console/models/:id/promote} again).
     */
    public CompletionStage<Optional<ModelVersion>> serveWith(long id, String engine, String engineModel) {
        return sessions.withTransaction(s -> s.find(ModelVersion.class, id)
                .thenApply(found -> Optional.ofNullable(found).map(v -> v.servedBy(engine, engineModel))));
    }

    public CompletionStage<Optional<ModelVersion>> find(long id) {
        return sessions.withSession(s -> s.find(ModelVersion.class, id)).thenApply(Optional::ofNullable);
    }

    public CompletionStage<Optional<ModelVersion>> findByLabel(String label) {
        return sessions.withSession(s -> s
                        .createSelectionQuery("from ModelVersion where label = :l", ModelVersion.class)
                        .setParameter("l", label)
                        .getSingleResultOrNull())
                .thenApply(Optional::ofNullable);
    }

    /** Every version, newest first. */
    public CompletionStage<List<ModelVersion>> list() {
        return sessions.withSession(s -> s
                .createSelectionQuery("from ModelVersion order by id desc", ModelVersion.class)
                .getResultList());
    }

    /** The version that serves now: the one named by the newest promotion; empty before the first. */
    public CompletionStage<Optional<ModelVersion>> serving() {
        return sessions.withSession(s -> s
                        .createSelectionQuery("select v from ModelPromotion p, ModelVersion v"
                                + " where v.id = p.modelVersionId order by p.id desc", ModelVersion.class)
                        .setMaxResults(1)
                        .getSingleResultOrNull())
                .thenApply(Optional::ofNullable);
    }

    /** Every change of the serving model, newest first. */
    public CompletionStage<List<ModelPromotion>> history() {
        return sessions.withSession(s -> s
                .createSelectionQuery("from ModelPromotion order by id desc", ModelPromotion.class)
                .getResultList());
    }

    /**
     * Makes {@code versionId} the serving version and announces it on {@link #CHANNEL}. Fails with
     * {@link IllegalArgumentException} when there is no such version.
     */
    public CompletionStage<ModelPromotion> promote(long versionId, ModelPromotion.Action action, String actor) {
        ModelPromotion promotion = new ModelPromotion(versionId, action, actor);
        return sessions.withTransaction(s -> s.find(ModelVersion.class, versionId)
                .thenCompose(version -> {
                    if (version == null) {
                        throw new IllegalArgumentException("no model version " + versionId);
                    }
                    return s.persist(promotion);
                })
                .thenCompose(done -> s.createNativeQuery("SELECT pg_notify(:channel, :payload)")
                        .setParameter("channel", CHANNEL)
                        .setParameter("payload", Long.toString(versionId))
                        .getSingleResult())
                .thenApply(done -> promotion));
    }

    /**
     * Where a plain "roll back" goes: the version that served before the promotion now in force. Promotions stack
     * up and each rollback takes the newest one off, so pressing it again goes one step further back (3, then 2,
     * then 1), never back and forth between two versions; empty once only the first version is left.
     */
    public CompletionStage<Optional<ModelVersion>> previousServing() {
        return history().thenCompose(promotions -> rollbackTarget(promotions)
                .map(this::find)
                .orElseGet(() -> java.util.concurrent.CompletableFuture.completedFuture(Optional.empty())));
    }

    /**
     * The rollback target of a promotion history (newest first): replays it as a stack, where a promotion puts its
     * version on top (unless it is on top already) and a rollback to a version below takes everything above it off
     * (a rollback to a version not on the stack, by id, is put on top like a promotion).
     */
    public static Optional<Long> rollbackTarget(List<ModelPromotion> newestFirst) {
        java.util.Deque<Long> stack = new java.util.ArrayDeque<>();
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            ModelPromotion p = newestFirst.get(i);
            long version = p.modelVersionId();
            if (p.action() == ModelPromotion.Action.rollback && stack.contains(version)) {
                while (stack.peek() != version) {
                    stack.pop();
                }
            } else if (stack.isEmpty() || stack.peek() != version) {
                stack.push(version);
            }
        }
        if (stack.size() < 2) {
            return Optional.empty();
        }
        stack.pop();
        return Optional.of(stack.peek());
    }
}
