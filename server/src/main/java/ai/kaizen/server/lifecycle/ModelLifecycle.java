package ai.kaizen.server.lifecycle;

import ai.kaizen.server.http.OwnContext;
import ai.kaizen.db.registry.ModelPromotion;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.db.registry.PromotionNotices;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.server.config.ServingSettings;
import ai.kaizen.server.inference.EngineModel;
import ai.kaizen.server.inference.ModelSlot;
import ai.kaizen.server.inference.ServingModel;
import ai.kaizen.trainer.registry.ArtifactStore;
import ai.kaizen.trainer.registry.ModelArtifacts;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Which registered model serves, on this instance: at start the registry's serving version (its files from the
 * {@link ArtifactStore}, checksum checked), or else the configured {@code model.dir}, registered as the first version
 * (copied into the store first where the store is shared, so that trainers elsewhere can read it); afterwards whatever any instance
 * promotes, learned through PostgreSQL LISTEN/NOTIFY and hot-swapped into the {@link ModelSlot}. Loads run one at a
 * time on a worker thread, never on an event loop.
 */
public final class ModelLifecycle implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelLifecycle.class);

    private final Vertx vertx;
    private final ModelRegistry registry;
    private final ModelSlot slot;
    private final ArtifactStore artifacts;
    private final ServingSettings serving;
    private PromotionNotices notices;
    /** Serialises switches: each starts when the previous one ended. */
    private Future<Void> switching = Future.succeededFuture();

    public ModelLifecycle(Vertx vertx, ModelRegistry registry, ModelSlot slot, ArtifactStore artifacts,
                          ServingSettings serving) {
        this.vertx = vertx;
        this.registry = registry;
        this.slot = slot;
        this.artifacts = artifacts;
        this.serving = serving;
    }

    /**
     * The model to serve at start. A configured {@code model.dir} the registry does not know yet is registered and
     * promoted (an operator pointed the server at a new model); otherwise the registry's serving version serves (a
     * restarted server comes back with what was promoted since), else nothing. Call it on a Vert.x event loop
     * (Hibernate Reactive's rule); loading and hashing run on worker threads.
     */
    public static Future<Optional<ServingModel>> loadAtStart(Vertx vertx, ModelRegistry registry,
                                                             ArtifactStore artifacts, Optional<Path> configured,
                                                             ServingSettings settings) {
        Optional<Path> dir = configured.map(d -> d.toAbsolutePath().normalize());
        Future<Boolean> known = dir.isEmpty() ? Future.succeededFuture(true)
                : vertx.executeBlocking(() -> ServingModel.labelOf(dir.get()), false)
                .compose(label -> Future.fromCompletionStage(registry.findByLabel(label)))
                .map(Optional::isPresent);
        return known.compose(isKnown -> isKnown ? Future.fromCompletionStage(registry.serving())
                        : Future.succeededFuture(Optional.<ModelVersion>empty()))
                .compose(serving -> {
                    if (serving.isPresent()) {
                        return vertx.executeBlocking(() -> Optional.of(load(artifacts, serving.get(), settings)),
                                false);
                    }
                    return dir.isEmpty() ? Future.succeededFuture(Optional.empty())
                            : registerConfigured(vertx, registry, artifacts, dir.get(), settings);
                });
    }

    /** Loads the configured model, registers it (once) and promotes it. */
    private static Future<Optional<ServingModel>> registerConfigured(Vertx vertx, ModelRegistry registry,
                                                                     ArtifactStore artifacts, Path dir,
                                                                     ServingSettings settings) {
        return vertx.executeBlocking(() -> {
                    String label = ServingModel.labelOf(dir);
                    Optional<EngineModel> engine = engineOf(settings, Optional.empty(), Optional.empty(), label);
                    ServingModel model = engine.isPresent() ? ServingModel.external(dir, label, engine.get())
                            : ServingModel.load(dir, settings.modelOptions());
                    ArtifactStore.Stored stored = artifacts.shared()
                            ? artifacts.store(dir, model.version().replaceAll("[^A-Za-z0-9._@-]", "_"))
                            : new ArtifactStore.Stored(dir.toString(), ModelArtifacts.checksum(dir));
                    return new Base(model, stored);
                }, false)
                .compose(base -> registerBase(registry, dir, base)
                        .compose(version -> Future.fromCompletionStage(registry.promote(version.id(),
                                ModelPromotion.Action.promote, "system")).map(version))
                        .map(version -> {
                            log.info("registered {} as model version {} and promoted it", dir, version.id());
                            return Optional.of(base.model());
                        })
                        .recover(e -> vertx.executeBlocking(() -> {
                            base.model().close();
                            return null;
                        }, false).transform(closed -> Future.failedFuture(e))));
    }

    /** The configured model, loaded, and where its files are kept, with their checksum. */
    private record Base(ServingModel model, ArtifactStore.Stored stored) {
    }

    private static Future<ModelVersion> registerBase(ModelRegistry registry, Path dir, Base base) {
        String label = base.model().version();
        String configuration = new io.vertx.core.json.JsonObject().put("source", "model.dir")
                .put("model_dir", dir.toString()).encode();
        return Future.fromCompletionStage(registry.findByLabel(label)).compose(known -> known.isPresent()
                ? Future.succeededFuture(known.get())
                : Future.fromCompletionStage(registry.register(new ModelVersion(label, null, null, null,
                        base.stored().location(), base.stored().sha256(), configuration, "{}")))
                        // another instance registered it first
                        .recover(e -> Future.fromCompletionStage(registry.findByLabel(label))
                                .map(again -> again.orElseThrow(() -> new IllegalStateException(e)))));
    }

    /**
     * Loads a registered version after checking its files against the recorded checksum (fetched from the store
     * into this machine's cache first, where they are in object storage). Blocking.
     */
    public static ServingModel load(ArtifactStore artifacts, ModelVersion version, ServingSettings settings) {
        Optional<EngineModel> engine = engineOf(settings, version);
        Path dir = artifacts.open(version.artifactPath(), version.sha256());
        return engine.isPresent() ? ServingModel.external(dir, version.label(), engine.get())
                : new ServingModel(LanguageModel.load(dir, settings.modelOptions()), version.label());
    }

    /**
     * The name an external engine serves {@code version} by, or empty where this process runs it: the version's own
     * engine and engine model name where the registry records them, else the servers' {@code serving.*} settings.
     */
    public static Optional<EngineModel> engineOf(ServingSettings settings, ModelVersion version) {
        return engineOf(settings, version.engine(), version.engineModel(), version.label());
    }

    /** A version names the external engine, but this server has no {@code serving.engine-url}. */
    public static final class EngineNotConfigured extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        EngineNotConfigured(String message) {
            super(message);
        }
    }

    /**
     * Fails with {@link EngineNotConfigured} when this server could not serve a version by {@code engine}
     * ({@code local}, {@code openai}; null follows {@code serving.engine}).
     */
    public void checkEngine(String engine) {
        if ("openai".equals(engine) && serving.engineUrl().isEmpty()) {
            throw new EngineNotConfigured("this server has no serving.engine-url to reach an external engine");
        }
    }

    private static Optional<EngineModel> engineOf(ServingSettings settings, Optional<String> engine,
                                                  Optional<String> engineModel, String label) {
        ServingSettings.Engine which = engine.flatMap(ServingSettings.Engine::of).orElse(settings.engine());
        if (which == ServingSettings.Engine.LOCAL) {
            return Optional.empty();
        }
        if (settings.engineUrl().isEmpty()) {
            throw new EngineNotConfigured("model version " + label
                    + " is served by an external engine, but serving.engine-url is not set");
        }
        return Optional.of(new EngineModel(engineModel.or(settings::engineModel).orElse(label)));
    }

    /** Starts listening for promotions from any instance (this one included). */
    public Future<Void> listen(ai.kaizen.db.DatabaseUrl url) {
        // A notice names the version promoted then, but notices can arrive after a later switch made here (a
        // promotion, then a rollback): serving the version a notice names would undo that rollback. So a notice
        // (or a reconnection) only says "look again", and the registry says what serves when it is our turn.
        return PromotionNotices.listen(vertx, url, promoted -> OwnContext.run(vertx, this::serveRegistered),
                        () -> OwnContext.run(vertx, this::serveRegistered))
                .onSuccess(n -> notices = n)
                .mapEmpty();
    }

    /** Serves whatever the registry says serves, read when the switches queued before this one have ended. */
    public Future<Void> serveRegistered() {
        return enqueue(() -> Future.fromCompletionStage(registry.serving()).map(serving -> serving.orElse(null)),
                () -> Future.succeededFuture());
    }

    /**
     * Serves version {@code id}: loads it (checksum checked) and swaps it in, unless it already serves. Completes
     * when new requests go to it (the old model is released later, when its generations end). Fails with
     * {@link java.util.NoSuchElementException} when there is no such version.
     */
    public Future<Void> switchTo(long id) {
        return switchTo(id, () -> Future.succeededFuture());
    }

    /**
     * As {@link #switchTo(long)}, running {@code beforeSwap} (e.g. recording the promotion) once the model has
     * loaded and before it serves: a version whose files are missing or corrupt is never recorded as promoted.
     */
    public Future<Void> switchTo(long id, java.util.function.Supplier<Future<?>> beforeSwap) {
        return enqueue(() -> Future.fromCompletionStage(registry.find(id)).map(found -> found.orElseThrow(() ->
                new java.util.NoSuchElementException("no model version " + id))), beforeSwap);
    }

    /**
     * Queues a switch after the ones before it: {@code target} names the version (null: none, nothing to do), read
     * only when the switch's turn comes.
     */
    private synchronized Future<Void> enqueue(java.util.function.Supplier<Future<ModelVersion>> target,
                                              java.util.function.Supplier<Future<?>> beforeSwap) {
        Promise<Void> done = Promise.promise();
        switching = switching.transform(previous -> target.get()
                .<Void>compose(version -> {
                    if (version == null) {
                        return Future.succeededFuture();
                    }
                    long id = version.id();
                    // The same version, under the same engine name: nothing to swap. (A version whose engine model
                    // name changed swaps to the new name.)
                    if (slot.current().map(m -> m.version().equals(version.label())
                            && m.engine().equals(engineOf(serving, version))).orElse(false)) {
                        return beforeSwap.get().mapEmpty();
                    }
                    return vertx.executeBlocking(() -> {
                        long start = System.nanoTime();
                        ServingModel model = load(artifacts, version, serving);
                        log.info("loaded model version {} ({}) in {} ms", id, model,
                                (System.nanoTime() - start) / 1_000_000);
                        return model;
                    }, false).compose(model -> beforeSwap.get()
                            .onFailure(e -> vertx.executeBlocking(() -> {
                                model.close();
                                return null;
                            }, false))
                            .map(recorded -> {
                                slot.swap(model);
                                return (Void) null;
                            }));
                })
                .onComplete(done)
                .onFailure(e -> log.error("cannot switch model: {}", e.getMessage()))
                .transform(ignored -> Future.<Void>succeededFuture()));
        return done.future();
    }

    /** Stops listening for promotions; completes when the listening connection is closed. */
    public Future<Void> stopListening() {
        return notices == null ? Future.succeededFuture() : notices.stop();
    }

    @Override
    public void close() {
        stopListening();
    }
}
