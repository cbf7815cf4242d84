package ai.kaizen.server;

import ai.kaizen.db.Database;
import ai.kaizen.db.account.ApiKeyRepository;
import ai.kaizen.db.account.SessionRepository;
import ai.kaizen.db.account.UserRepository;
import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.company.CompanyProfileRepository;
import ai.kaizen.db.chat.AnswerRepository;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.CycleScheduleRepository;
import ai.kaizen.db.cycle.FeedbackCounts;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.comparison.OnlineComparisonRepository;
import ai.kaizen.db.setting.SettingRepository;
import ai.kaizen.db.ChannelListener;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.account.CredentialCache;
import ai.kaizen.server.chat.AnswerOptions;
import ai.kaizen.server.chat.ChatRoutes;
import ai.kaizen.server.chat.ChatService;
import ai.kaizen.server.chat.OpenAiRoutes;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.InferenceSettings;
import ai.kaizen.server.config.ServingSettings;
import ai.kaizen.server.config.KaizenConfig;
import ai.kaizen.server.config.LifecycleSettings;
import ai.kaizen.server.comparison.OnlineComparisons;
import ai.kaizen.server.company.CompanyProfileRoutes;
import ai.kaizen.server.company.CompanyProfiles;
import ai.kaizen.server.console.ConsoleRoutes;
import ai.kaizen.server.feedback.FeedbackRoutes;
import ai.kaizen.server.feedback.FeedbackService;
import ai.kaizen.server.http.AccountRoutes;
import ai.kaizen.server.http.ConnectionGuards;
import ai.kaizen.server.http.Csrf;
import ai.kaizen.server.http.DatabaseWatch;
import ai.kaizen.server.http.ErrorResponses;
import ai.kaizen.server.http.HealthRoutes;
import ai.kaizen.server.http.InFlightRequests;
import ai.kaizen.server.http.OwnContext;
import ai.kaizen.server.http.Pages;
import ai.kaizen.server.http.RateLimits;
import ai.kaizen.server.http.SecurityHeaders;
import ai.kaizen.server.http.Sessions;
import ai.kaizen.server.http.WorkerExecutor;
import ai.kaizen.server.inference.BatchLimits;
import ai.kaizen.server.inference.ContinuousBatching;
import ai.kaizen.server.inference.Inference;
import ai.kaizen.server.inference.InferenceQueue;
import ai.kaizen.server.inference.ModelSlot;
import ai.kaizen.server.inference.ServingModel;
import ai.kaizen.server.inference.OpenAiEngine;
import ai.kaizen.server.inference.ServingEngines;
import ai.kaizen.server.review.CandidateGenerator;
import ai.kaizen.server.review.CandidateSampler;
import ai.kaizen.server.review.Guidelines;
import ai.kaizen.server.review.ReviewRoutes;
import ai.kaizen.server.review.BlindComparisons;
import ai.kaizen.server.review.ReviewSettings;
import ai.kaizen.db.review.ReviewRepository;
import ai.kaizen.server.lifecycle.CycleScheduler;
import ai.kaizen.server.lifecycle.CycleSchedules;
import ai.kaizen.server.lifecycle.CycleService;
import ai.kaizen.server.lifecycle.KubernetesTrainerLauncher;
import ai.kaizen.server.lifecycle.HumanEvaluationGate;
import ai.kaizen.db.humaneval.HumanEvalRepository;
import ai.kaizen.server.lifecycle.LocalTrainerLauncher;
import ai.kaizen.server.lifecycle.TrainerLauncher;
import ai.kaizen.trainer.registry.ArtifactStore;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import ai.kaizen.server.lifecycle.ModelLifecycle;
import ai.kaizen.server.metrics.CycleMetrics;
import ai.kaizen.server.metrics.HttpMetrics;
import ai.kaizen.server.metrics.Metrics;
import ai.kaizen.server.metrics.MetricsRoutes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.templ.thymeleaf.ThymeleafTemplateEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running product: Vert.x, the database, the served model and the HTTP server, started together and stopped
 * gracefully (drain in-flight requests, close the listener, finish model work, close the pool, stop the embedded
 * PostgreSQL).
 */
public final class KaizenServer {

    private static final Logger log = LoggerFactory.getLogger(KaizenServer.class);
    /** How often the review buffer is checked (a fill tops it up in one go). */
    private static final long CANDIDATE_CHECK_MS = 2000;
    /** How often each instance re-reads the running online comparison (changes made here apply at once). */
    private static final Duration COMPARISON_REFRESH = Duration.ofSeconds(5);
    /** How often the database is pinged for /health and the outage log lines. */
    private static final Duration DATABASE_WATCH = Duration.ofSeconds(2);
    /** How often the cycle gauges are read from the database. */
    private static final Duration CYCLE_METRICS = Duration.ofSeconds(15);
    /** How long a /v1/feedback idempotency key is remembered, and how often older ones are deleted. */
    private static final Duration IDEMPOTENCY_KEYS_KEPT = Duration.ofHours(24);
    private static final Duration IDEMPOTENCY_KEYS_PURGE = Duration.ofHours(1);

    private final KaizenConfig config;
    private final Vertx vertx;
    private final Database database;
    private final ModelSlot model;
    private final ModelLifecycle lifecycle;
    private final CycleService cycles;
    private final CycleScheduler scheduler;
    private final Inference inference;
    private final HttpServer http;
    private final Router router;
    private final InFlightRequests inFlight;
    private final CandidateGenerator candidates;
    private final OnlineComparisons comparisons;
    private final ArtifactStore artifacts;
    private final Metrics metrics;
    private final CycleMetrics cycleMetrics;
    private final ChannelListener credentialNotices;
    private final long idempotencyPurge;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private Future<Void> stopped;

    private KaizenServer(KaizenConfig config, Vertx vertx, Database database, ModelSlot model,
                         ModelLifecycle lifecycle, CycleService cycles, CycleScheduler scheduler,
                         Inference inference, HttpServer http, Router router, InFlightRequests inFlight,
                         CandidateGenerator candidates, OnlineComparisons comparisons, ArtifactStore artifacts,
                         Metrics metrics, CycleMetrics cycleMetrics, ChannelListener credentialNotices,
                         long idempotencyPurge) {
        this.config = config;
        this.vertx = vertx;
        this.database = database;
        this.model = model;
        this.lifecycle = lifecycle;
        this.cycles = cycles;
        this.scheduler = scheduler;
        this.inference = inference;
        this.http = http;
        this.router = router;
        this.inFlight = inFlight;
        this.candidates = candidates;
        this.comparisons = comparisons;
        this.artifacts = artifacts;
        this.metrics = metrics;
        this.cycleMetrics = cycleMetrics;
        this.credentialNotices = credentialNotices;
        this.idempotencyPurge = idempotencyPurge;
    }

    /** Starts everything; on failure, whatever had started is stopped again before the future fails. */
    public static Future<KaizenServer> start(KaizenConfig config) {
        Instant startedAt = Instant.now();
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
        CompletableFuture<KaizenServer> started = new CompletableFuture<>();
        ArtifactStore artifacts = config.artifacts().open(config.home());
        Database.open(vertx, config.databaseSettings())
                .compose(database -> loadModel(vertx, config, database, artifacts)
                        .compose(model -> listen(config, vertx, database, model, artifacts, startedAt)
                                .recover(e -> vertx.executeBlocking(() -> {
                                    model.close();
                                    return null;
                                }, false).transform(closed -> Future.failedFuture(e))))
                        .recover(e -> vertx.executeBlocking(() -> {
                            database.close();
                            return null;
                        }, false).transform(closed -> Future.failedFuture(e))))
                .onSuccess(server -> {
                    log.info("Kaizen listening on http://{}:{} (started in {} ms)", config.httpHost(),
                            server.port(), Duration.between(startedAt, Instant.now()).toMillis());
                    started.complete(server);
                })
                .onFailure(e -> {
                    artifacts.close();
                    closeVertx(vertx).whenComplete((ok, ignored) -> started.completeExceptionally(e));
                });
        return Future.fromCompletionStage(started);
    }

    /**
     * The registry's serving version (a restarted server serves what was promoted), else {@code model.dir}
     * (registered as the first version), else none.
     */
    private static Future<ModelSlot> loadModel(Vertx vertx, KaizenConfig config, Database database,
                                               ArtifactStore artifacts) {
        long start = System.nanoTime();
        return ModelLifecycle.loadAtStart(vertx, new ModelRegistry(database.sessions()), artifacts,
                        config.modelDir(), config.serving())
                .map(model -> {
                    model.ifPresentOrElse(m -> log.info("serving model {} (loaded in {} ms)", m.version(),
                                    (System.nanoTime() - start) / 1_000_000),
                            () -> log.warn("no model configured (model.dir): chat answers 503 until one is"));
                    return new ModelSlot(model);
                });
    }

    private static Future<KaizenServer> listen(KaizenConfig config, Vertx vertx, Database database,
                                               ModelSlot model, ArtifactStore artifacts, Instant startedAt) {
        InFlightRequests inFlight = new InFlightRequests();
        Metrics metrics = new Metrics();
        Inference inference = inference(vertx, config, metrics);
        RateLimits limits = new RateLimits(vertx, config.trustProxy());
        CredentialCache credentials = new CredentialCache(config.credentialCacheTime());
        Sessions sessions = new Sessions(new SessionRepository(database.sessions()),
                new UserRepository(database.sessions()), config.sessionMaxAge(), config.trustProxy(), credentials);
        Accounts accounts = new Accounts(new UserRepository(database.sessions()),
                new ApiKeyRepository(database.sessions()), new WorkerExecutor(vertx), credentials);
        Pages pages = new Pages(ThymeleafTemplateEngine.create(vertx));
        ConversationRepository conversations = new ConversationRepository(database.sessions());
        FeedbackRepository feedback = new FeedbackRepository(database.sessions());
        SettingRepository settings = new SettingRepository(database.sessions());
        ModelLifecycle lifecycle = new ModelLifecycle(vertx, new ModelRegistry(database.sessions()), model,
                artifacts, config.serving());
        OnlineComparisons comparisons = new OnlineComparisons(vertx,
                new OnlineComparisonRepository(database.sessions()), new ModelRegistry(database.sessions()),
                artifacts, config.serving(), config.comparison(), COMPARISON_REFRESH);
        AuditLog audit = new AuditLog(database.sessions());
        CompanyProfiles company = new CompanyProfiles(new CompanyProfileRepository(database.sessions()), audit);
        ChatService chat = new ChatService(model, comparisons, inference, conversations,
                new AnswerRepository(database.sessions()), settings, company, config.chat());
        FeedbackService feedbackService = new FeedbackService(feedback, config.chat().reasons(), metrics.feedback());

        Router router = Router.router(vertx);
        router.route().handler(new HttpMetrics(metrics.registry()));
        router.route().handler(inFlight);
        router.route().handler(new SecurityHeaders());
        DatabaseWatch watch = new DatabaseWatch(vertx, database, DATABASE_WATCH, Clock.systemUTC());
        new HealthRoutes(database, watch, config.healthDatabaseOutage(), () -> modelCheck(model.current()), startedAt,
                Version.current()).mount(router);
        new MetricsRoutes(metrics, config.metricsToken()).mount(router);
        router.route("/static/*").handler(StaticHandler.create("webroot").setCachingEnabled(true));
        router.route().handler(limits.perAddress("requests", config.requestsPerMinute()));
        // Only for methods with bodies: a GET that claims a form body would otherwise fail inside the handler.
        router.route().method(HttpMethod.POST).method(HttpMethod.PUT).method(HttpMethod.PATCH)
                .method(HttpMethod.DELETE)
                .handler(BodyHandler.create(false).setBodyLimit(config.maxRequestBytes()));
        // Browser routes: cookie sessions, and a CSRF token on every state change. The API under /v1
        // authenticates by bearer key instead (and takes no cookies, so needs no CSRF token).
        router.routeWithRegex("^(?!/v1/).*").handler(sessions);
        router.routeWithRegex("^(?!/v1/).*").handler(new Csrf());
        new OpenAiRoutes(accounts, chat, model::current, feedbackService, limits, config.messagesPerMinute())
                .mount(router);
        new AccountRoutes(accounts, sessions, pages, limits, config.loginsPerMinute()).mount(router);
        new ChatRoutes(chat, conversations, feedback, settings, sessions, pages, limits, config.messagesPerMinute())
                .mount(router);
        new FeedbackRoutes(feedbackService).mount(router);
        ReviewSettings review = config.review();
        ReviewRepository reviews = new ReviewRepository(database.sessions());
        HumanEvaluationGate humanGate = new HumanEvaluationGate(new CycleRepository(database.sessions()),
                new HumanEvalRepository(database.sessions()), new ModelRegistry(database.sessions()), audit);
        new ReviewRoutes(reviews, new UserRepository(database.sessions()), pages, review,
                Guidelines.load(review.guidelinesFile()),
                new BlindComparisons(new HumanEvalRepository(database.sessions()), humanGate)).mount(router);
        CandidateGenerator candidates = new CandidateGenerator(vertx, model, inference,
                new CandidateSampler(inference, new AnswerOptions(config.chat())), reviews, review);
        LifecycleSettings cycleSettings = config.lifecycle();
        FeedbackCounts counts = new FeedbackCounts(database.sessions());
        CycleMetrics cycleMetrics = new CycleMetrics(vertx, new CycleRepository(database.sessions()),
                metrics.registry(), CYCLE_METRICS);
        long idempotencyPurge = OwnContext.periodic(vertx, IDEMPOTENCY_KEYS_PURGE.toMillis(),
                IDEMPOTENCY_KEYS_PURGE.toMillis(), () -> feedback
                .forgetRequestsBefore(Instant.now().minus(IDEMPOTENCY_KEYS_KEPT))
                .whenComplete((deleted, e) -> {
                    if (e != null) {
                        log.warn("could not delete old idempotency keys: {}", e.getMessage());
                    }
                }));
        CycleService cycles = new CycleService(vertx, new CycleRepository(database.sessions()), audit,
                launcher(config, cycleSettings), cycleSettings.heartbeatTimeout(), humanGate);
        CycleSchedules schedules = new CycleSchedules(new CycleScheduleRepository(database.sessions()),
                cycleSettings.schedule(), audit);
        CycleScheduler scheduler = new CycleScheduler(vertx, cycles, schedules, counts, Clock.systemUTC(),
                Duration.ofMillis(Math.max(500, Math.min(60_000, cycleSettings.heartbeatTimeout().toMillis() / 3))));
        new ConsoleRoutes(database.sessions(), new ModelRegistry(database.sessions()), lifecycle, cycles, schedules,
                counts, audit, pages, comparisons).mount(router);
        new CompanyProfileRoutes(company, pages).mount(router);
        router.route().last().handler(ctx -> ctx.fail(404));
        router.route().failureHandler(ErrorResponses::handleFailure);

        HttpServerOptions options = new HttpServerOptions()
                .setHost(config.httpHost())
                .setPort(config.httpPort())
                .setCompressionSupported(true)
                // HTTP/1.1 only in clear text: an h2c upgrade can carry requests past a proxy's rules (h2c
                // smuggling), no browser speaks h2c, and ConnectionGuards needs each connection's HTTP/1 pipeline
                // built before its first byte, which with h2c happens only once the first request is half read.
                .setHttp2ClearTextEnabled(false)
                // no data either way for this long: also closes a connection whose client vanished without a word
                .setIdleTimeout((int) config.httpIdleTimeout().toSeconds());
        HttpServer server = vertx.createHttpServer(options);
        ConnectionGuards.install(server, options, config.httpIdleTimeout());
        return server
                .requestHandler(router)
                .listen()
                .recover(e -> {
                    scheduler.close();
                    cycles.close();
                    comparisons.close();
                    cycleMetrics.close();
                    vertx.cancelTimer(idempotencyPurge);
                    metrics.close();
                    inference.close(0);
                    return Future.failedFuture(new IllegalStateException("cannot listen on "
                            + config.httpHost() + ":" + config.httpPort() + ": " + e.getMessage(), e));
                })
                .compose(http -> lifecycle.listen(database.url())
                        .compose(listening -> comparisons.listen(database.url()))
                        .compose(listening -> ChannelListener.listen(vertx, database.url(), CredentialCache.CHANNEL,
                                "credential changes", credentials::forget, credentials::forgetAll))
                        .recover(e -> lifecycle.stopListening().eventually(comparisons::stopListening)
                                .eventually(() -> http.close())
                                .transform(closed -> Future.failedFuture(e)))
                        .compose(notices -> comparisons.refresh()
                                .map(refreshed -> new KaizenServer(config, vertx, database, model, lifecycle, cycles,
                                        scheduler, inference, http, router, inFlight, candidates.start(CANDIDATE_CHECK_MS),
                                        comparisons, artifacts, metrics, cycleMetrics, notices, idempotencyPurge))));
    }

    /**
     * Where answers are generated: here as {@code inference.batching} says, and by the external engine at
     * {@code serving.engine-url} for the versions it serves, where one is configured.
     */
    private static Inference inference(Vertx vertx, KaizenConfig config, Metrics metrics) {
        InferenceSettings settings = config.inference();
        Inference local = switch (settings.batching()) {
            case CONTINUOUS -> new ContinuousBatching(new BatchLimits(settings.maxBatch(), settings.kvCacheBytes(),
                    settings.prefillChunk()), settings.queue(), metrics.inference());
            case PER_REQUEST -> new InferenceQueue(settings.workers(), settings.queue());
        };
        ServingSettings serving = config.serving();
        return serving.engineUrl().isEmpty() ? local
                : new ServingEngines(local, new OpenAiEngine(vertx, serving));
    }

    /** Where cycles' trainers run: a child process, or a Kubernetes Job (the client configures itself in a pod). */
    private static TrainerLauncher launcher(KaizenConfig config, LifecycleSettings settings) {
        double heartbeatSeconds = settings.heartbeat().toMillis() / 1000.0;
        if (settings.launcher() == LifecycleSettings.Launcher.KUBERNETES) {
            return new KubernetesTrainerLauncher(new KubernetesClientBuilder().build(), settings.kubernetes(),
                    trainerArtifactEnvironment(config), heartbeatSeconds, Duration.ofSeconds(5));
        }
        Map<String, String> environment = new HashMap<>(trainerArtifactEnvironment(config));
        environment.put(ConfigKey.HOME.environmentVariable(), config.home().toString());
        String url = config.values().getOrDefault(ConfigKey.DATABASE_URL, "");
        if (!url.isBlank()) {
            environment.put(ConfigKey.DATABASE_URL.environmentVariable(), url);
        }
        return new LocalTrainerLauncher(config.home(), environment, heartbeatSeconds);
    }

    /**
     * What a trainer needs of this configuration besides the database and the home: the log level and where
     * artifacts are kept (no secret: object-storage credentials come from the trainer's own environment).
     */
    private static Map<String, String> trainerArtifactEnvironment(KaizenConfig config) {
        Map<String, String> environment = new HashMap<>();
        environment.put(ConfigKey.LOG_LEVEL.environmentVariable(), config.logLevel());
        // the home claim: a cycle's external stage mounts it in its TrainJob's pods
        for (ConfigKey key : List.of(ConfigKey.ARTIFACTS_URL, ConfigKey.ARTIFACTS_S3_ENDPOINT,
                ConfigKey.ARTIFACTS_S3_REGION, ConfigKey.ARTIFACTS_S3_PATH_STYLE,
                ConfigKey.CYCLE_KUBERNETES_HOME_CLAIM)) {
            String value = config.values().getOrDefault(key, "");
            if (!value.isBlank()) {
                environment.put(key.environmentVariable(), value);
            }
        }
        return environment;
    }

    private static JsonObject modelCheck(Optional<ServingModel> model) {
        return model.map(m -> new JsonObject().put("status", "UP").put("loaded", true).put("version", m.version()))
                .orElseGet(() -> new JsonObject().put("status", "DOWN").put("loaded", false)
                        .put("detail", "no model configured (model.dir)"));
    }

    /** The port the HTTP server listens on (the chosen one when configured as 0). */
    public int port() {
        return http.actualPort();
    }

    /** The HTTP routes, in the order the router tries them (tests walk them all). */
    public List<Route> routes() {
        return router.getRoutes();
    }

    public Database database() {
        return database;
    }

    public Vertx vertx() {
        return vertx;
    }

    /** The model new requests get now. */
    public Optional<ServingModel> model() {
        return model.current();
    }

    /** The swappable serving model. */
    public ModelSlot modelSlot() {
        return model;
    }

    /** Which registered version serves here, and the switch to another. */
    public OnlineComparisons comparisons() {
        return comparisons;
    }

    public ModelLifecycle lifecycle() {
        return lifecycle;
    }

    /** Retraining cycles: start, cancel, resume, and the watch over their trainers. */
    public CycleService cycles() {
        return cycles;
    }

    /** The server's meters, served at {@code /metrics}; the model's serving code records into its inference part. */
    public Metrics metrics() {
        return metrics;
    }

    /** Where answers are generated (tests use it to occupy the model deterministically). */
    public Inference inference() {
        return inference;
    }

    /**
     * Stops gracefully: new requests get 503, in-flight ones have {@code shutdown.grace-seconds} to finish, then the
     * listener closes, model work ends, the pool closes and the embedded database stops. Safe to call more than once.
     */
    public synchronized Future<Void> stop() {
        if (stopping.compareAndSet(false, true)) {
            log.info("stopping: {} request(s) in flight", inFlight.count());
            CompletableFuture<Void> done = new CompletableFuture<>();
            inFlight.drain(vertx, config.shutdownGrace())
                    .compose(drained -> {
                        if (!drained) {
                            log.warn("{} request(s) still in flight after {} s; closing anyway", inFlight.count(),
                                    config.shutdownGrace().toSeconds());
                        }
                        candidates.close();
                        return http.close();
                    })
                    // before the database stops, or the listening connections die with an error
                    .eventually(() -> lifecycle.stopListening())
                    .eventually(() -> comparisons.stopListening())
                    .eventually(() -> credentialNotices.stop())
                    .eventually(() -> vertx.executeBlocking(() -> {
                        vertx.cancelTimer(idempotencyPurge);
                        cycleMetrics.close();
                        scheduler.close();
                        cycles.close();
                        inference.close(10);
                        comparisons.close();
                        model.close();
                        database.close();
                        artifacts.close();
                        metrics.close();
                        return null;
                    }, false))
                    .onComplete(closed -> closeVertx(vertx).whenComplete((ok, e) -> {
                        log.info("stopped");
                        done.complete(null);
                    }));
            stopped = Future.fromCompletionStage(done);
        }
        return stopped;
    }

    /**
     * Closes Vert.x from a thread of its own: closed from one of its own threads, the returned future would try to
     * complete on an event loop that the close has just shut down, and never complete.
     */
    private static CompletableFuture<Void> closeVertx(Vertx vertx) {
        return CompletableFuture.supplyAsync(() -> vertx.close().toCompletionStage())
                .thenCompose(closing -> closing);
    }
}
