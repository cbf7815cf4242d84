package ai.kaizen.server.comparison;

import ai.kaizen.db.ChannelListener;
import ai.kaizen.db.DatabaseUrl;
import ai.kaizen.server.http.OwnContext;
import ai.kaizen.db.comparison.OnlineComparison;
import ai.kaizen.db.comparison.OnlineComparisonRepository;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.server.config.ComparisonSettings;
import ai.kaizen.server.inference.ModelSlot;
import ai.kaizen.server.inference.ServingModel;
import ai.kaizen.server.lifecycle.ModelLifecycle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Online A/B comparisons on this instance: starts and stops them (the database keeps the one that runs, for every
 * instance), keeps the challenger loaded in a slot of its own beside the serving model, and tells the chat when a
 * user's pairwise choice should pit the challenger against the serving version. Every instance re-reads the running
 * comparison when any instance starts or ends one (a database notice, {@link #listen}), and periodically in case a
 * notice was lost; model loads run on worker threads. The choices themselves are rows in the database, so every
 * instance counts the same votes.
 */
public final class OnlineComparisons implements Challengers, AutoCloseable {

    /** A request that cannot be done as asked (409): comparing the serving version with itself. */
    public static final class Conflict extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Conflict(String message) {
            super(message, null, false, false);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(OnlineComparisons.class);

    private final Vertx vertx;
    private final OnlineComparisonRepository comparisons;
    private final ModelRegistry registry;
    private final ai.kaizen.trainer.registry.ArtifactStore artifacts;
    private final ai.kaizen.server.config.ServingSettings serving;
    private final ModelSlot challenger = new ModelSlot(Optional.empty());
    private final ComparisonSettings settings;
    private final long timer;
    /** The running comparison as last read; null when none. Read by chat threads. */
    private volatile OnlineComparison running;
    private ChannelListener notices;
    /** Serialises refreshes, so that loads never race. */
    private Future<Void> refreshing = Future.succeededFuture();

    public OnlineComparisons(Vertx vertx, OnlineComparisonRepository comparisons, ModelRegistry registry,
                             ai.kaizen.trainer.registry.ArtifactStore artifacts,
                             ai.kaizen.server.config.ServingSettings serving, ComparisonSettings settings,
                             Duration refreshEvery) {
        this.vertx = vertx;
        this.comparisons = comparisons;
        this.registry = registry;
        this.artifacts = artifacts;
        this.serving = serving;
        this.settings = settings;
        this.timer = OwnContext.periodic(vertx, refreshEvery.toMillis(), refreshEvery.toMillis(), this::refresh);
    }

    public OnlineComparisonRepository repository() {
        return comparisons;
    }

    public ComparisonSettings settings() {
        return settings;
    }

    /**
     * Starts comparing version {@code challengerId} with the serving version, on {@code share} of the pairwise
     * choices (null: the configured share); ends the comparison that ran before. Fails with
     * {@link NoSuchElementException} for an unknown version, {@link Conflict} for the serving one.
     */
    public Future<OnlineComparison> start(long challengerId, Double share, String reason, String actor) {
        return Future.fromCompletionStage(registry.serving()).compose(current -> {
            ModelVersion baseline = current.orElseThrow(() -> new Conflict("no version serves yet"));
            if (baseline.id() == challengerId) {
                return Future.failedFuture(new Conflict("model version " + challengerId
                        + " serves already: compare another version with it"));
            }
            return Future.fromCompletionStage(registry.find(challengerId)).compose(found -> found.isEmpty()
                    ? Future.failedFuture(new NoSuchElementException("no model version " + challengerId))
                    : Future.fromCompletionStage(comparisons.start(baseline.id(), challengerId,
                    share == null ? settings.share() : share, reason, actor)));
        }).compose(started -> refresh().map(started));
    }

    /** Ends the running comparison; completes with whether one ran. */
    public Future<Boolean> stop() {
        return Future.fromCompletionStage(comparisons.stop()).compose(stopped -> refresh().map(stopped));
    }

    /**
     * After an operator changed the serving version from {@code previous}: a promotion starts comparing the new
     * version with the one it replaced (when so configured); anything else ends the running comparison, whose
     * baseline no longer serves.
     */
    public Future<Void> afterChange(Optional<ModelVersion> previous, long nowServing, boolean promotion,
                                    String actor) {
        if (promotion && settings.afterPromotion() && previous.isPresent() && previous.get().id() != nowServing) {
            // The newly promoted version is the baseline now, so the challenger is the version it replaced.
            return start(previous.get().id(), null, "after the promotion of version " + nowServing, actor)
                    .mapEmpty();
        }
        return stop().mapEmpty();
    }

    /** The comparison running now, as this instance last read it. */
    public Optional<OnlineComparison> running() {
        return Optional.ofNullable(running);
    }

    /** Whether this instance holds the running comparison's challenger, ready to answer. */
    public boolean challengerReady() {
        OnlineComparison now = running;
        return now != null && challenger.current().map(m -> m.version().equals(now.challengerLabel()))
                .orElse(false);
    }

    @Override
    public Optional<ModelSlot.Lease> draw(String servingLabel, RandomGenerator random) {
        OnlineComparison now = running;
        // Only against the comparison's baseline: after a switch nobody made here, its choices would not count.
        if (now == null || !now.baselineLabel().equals(servingLabel) || random.nextDouble() >= now.share()) {
            return Optional.empty();
        }
        Optional<ModelSlot.Lease> lease = challenger.acquire();
        if (lease.isPresent() && !lease.get().model().version().equals(now.challengerLabel())) {
            lease.get().close();
            return Optional.empty();
        }
        return lease;
    }

    /** Starts listening for comparisons started or ended on any instance (this one included). */
    public Future<Void> listen(DatabaseUrl url) {
        Runnable refresh = () -> OwnContext.run(vertx, this::refresh);
        return ChannelListener.listen(vertx, url, OnlineComparisonRepository.CHANNEL, "online comparisons",
                        payload -> refresh.run(), refresh)
                .onSuccess(listener -> notices = listener)
                .mapEmpty();
    }

    /** Stops listening; completes when the listening connection is closed (before the database stops). */
    public Future<Void> stopListening() {
        return notices == null ? Future.succeededFuture() : notices.stop();
    }

    /** Reads the running comparison and loads (or releases) its challenger to match. */
    public synchronized Future<Void> refresh() {
        refreshing = refreshing.transform(previous -> Future.fromCompletionStage(comparisons.running())
                .compose(found -> {
                    running = found.orElse(null);
                    Optional<String> loaded = challenger.current().map(ServingModel::version);
                    if (found.isEmpty()) {
                        return loaded.isEmpty() ? Future.succeededFuture()
                                : Future.fromCompletionStage(challenger.clear());
                    }
                    OnlineComparison now = found.get();
                    if (loaded.filter(now.challengerLabel()::equals).isPresent()) {
                        return Future.succeededFuture();
                    }
                    // The serving slot may hold the challenger already (a rollback): share nothing, load a copy; a
                    // small model's second copy is cheap, and each slot closes its own.
                    return Future.fromCompletionStage(registry.find(now.challengerVersionId()))
                            .compose(version -> vertx.executeBlocking(() -> ModelLifecycle.load(artifacts,
                                    version.orElseThrow(), serving),
                                    false))
                            .compose(model -> {
                                log.info("online comparison {}: challenger {} loaded, against {} on {}% of pairs",
                                        now.id(), model.version(), now.baselineLabel(), Math.round(now.share() * 100));
                                return Future.fromCompletionStage(challenger.swap(model));
                            });
                })
                .onFailure(e -> log.warn("cannot refresh the online comparison: {}", e.getMessage()))
                .transform(done -> Future.<Void>succeededFuture()));
        return refreshing;
    }

    @Override
    public void close() {
        vertx.cancelTimer(timer);
        challenger.close();
    }
}
