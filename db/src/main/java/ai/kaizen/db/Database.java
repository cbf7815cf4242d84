package ai.kaizen.db;

import ai.kaizen.db.account.ApiKey;
import ai.kaizen.db.account.User;
import ai.kaizen.db.account.WebSession;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.db.dataset.DatasetItem;
import ai.kaizen.db.dataset.DatasetVersion;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.Rating;
import ai.kaizen.db.review.ReviewAssignment;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.db.registry.ModelPromotion;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.db.setting.Setting;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;
import org.hibernate.reactive.provider.ReactiveServiceRegistryBuilder;
import org.hibernate.reactive.provider.Settings;
import org.hibernate.reactive.stage.Stage;
import org.hibernate.reactive.vertx.VertxInstance;
import org.hibernate.reactive.vertx.impl.ProvidedVertxInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The application's database, open: the embedded server when no external one is configured, the schema migrated
 * to the current version, and a Hibernate Reactive session factory whose mappings were validated against it.
 */
public final class Database implements AutoCloseable {

    /** Every mapped entity; Hibernate validates each against the migrated schema at start. */
    static final List<Class<?>> ENTITIES = List.of(
            Setting.class,
            User.class, WebSession.class, ApiKey.class,
            Conversation.class, Message.class,
            Rating.class, PairwiseComparison.class,
            DatasetVersion.class, DatasetItem.class,
            ReviewTask.class, ReviewAssignment.class,
            ModelVersion.class, ModelPromotion.class,
            TrainingCycle.class);

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final DatabaseUrl url;
    private final Stage.SessionFactory sessions;
    private final Optional<EmbeddedPostgresServer> embedded;
    private final String schemaVersion;

    private Database(DatabaseUrl url, Stage.SessionFactory sessions, Optional<EmbeddedPostgresServer> embedded,
                     String schemaVersion) {
        this.url = url;
        this.sessions = sessions;
        this.embedded = embedded;
        this.schemaVersion = schemaVersion;
    }

    /**
     * Opens the database described by {@code settings}: starts the embedded server if needed, migrates, and builds
     * the session factory on {@code vertx}. The blocking steps run on a worker thread.
     */
    public static Future<Database> open(Vertx vertx, DatabaseSettings settings) {
        return open(vertx, settings, ENTITIES);
    }

    /** As {@link #open(Vertx, DatabaseSettings)}, with the entities to map (tests check validation with this). */
    static Future<Database> open(Vertx vertx, DatabaseSettings settings, List<Class<?>> entities) {
        return vertx.executeBlocking(() -> openBlocking(vertx, settings, entities), false);
    }

    private static Database openBlocking(Vertx vertx, DatabaseSettings settings, List<Class<?>> entities) {
        Optional<EmbeddedPostgresServer> embedded = settings.externalUrl().isPresent() ? Optional.empty()
                : Optional.of(EmbeddedPostgresServer.start(settings.embeddedHome(), settings.embeddedPort()));
        try {
            DatabaseUrl url = settings.externalUrl().orElseGet(() -> embedded.orElseThrow().url());
            log.info("using {} database {}", embedded.isPresent() ? "embedded" : "external", url);
            String version = Migrations.migrate(url);
            Stage.SessionFactory sessions = buildSessionFactory(vertx, url, settings.poolSize(), entities);
            return new Database(url, sessions, embedded, version);
        } catch (RuntimeException e) {
            embedded.ifPresent(EmbeddedPostgresServer::close);
            throw e;
        }
    }

    private static Stage.SessionFactory buildSessionFactory(Vertx vertx, DatabaseUrl url, int poolSize,
                                                            List<Class<?>> entities) {
        Configuration configuration = new Configuration();
        entities.forEach(configuration::addAnnotatedClass);
        configuration.setProperty(AvailableSettings.JAKARTA_JDBC_URL, url.jdbcUrl());
        configuration.setProperty(AvailableSettings.JAKARTA_JDBC_USER, url.user());
        configuration.setProperty(AvailableSettings.JAKARTA_JDBC_PASSWORD, url.password());
        configuration.setProperty(Settings.POOL_SIZE, String.valueOf(poolSize));
        // Flyway owns the schema; Hibernate only checks that the mappings agree with it.
        configuration.setProperty(AvailableSettings.HBM2DDL_AUTO, "validate");
        configuration.setProperty(AvailableSettings.SHOW_SQL, "false");
        StandardServiceRegistry registry = new ReactiveServiceRegistryBuilder()
                .applySettings(configuration.getProperties())
                .addService(VertxInstance.class, new ProvidedVertxInstance(vertx))
                .build();
        return configuration.buildSessionFactory(registry).unwrap(Stage.SessionFactory.class);
    }

    /** Sessions for repositories. */
    public Stage.SessionFactory sessions() {
        return sessions;
    }

    /** Where the database is (password masked by {@link DatabaseUrl#toString()}). */
    public DatabaseUrl url() {
        return url;
    }

    public boolean isEmbedded() {
        return embedded.isPresent();
    }

    public String schemaVersion() {
        return schemaVersion;
    }

    /** Runs a trivial query; completes with its round-trip time, or fails when the database cannot be reached. */
    public Future<Duration> ping() {
        long start = System.nanoTime();
        return Future.fromCompletionStage(sessions.withSession(session ->
                        session.createNativeQuery("SELECT 1", Integer.class).getSingleResult()))
                .map(one -> Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Starts the embedded server again when this process started it and it has died; see
     * {@link EmbeddedPostgresServer#restartIfDown()}. Blocks; never call it on an event loop.
     *
     * @return whether it was restarted
     */
    public boolean restartEmbeddedIfDown() {
        return embedded.map(EmbeddedPostgresServer::restartIfDown).orElse(false);
    }

    /** Closes the pool, then stops the embedded server if there is one. Blocks; never call it on an event loop. */
    @Override
    public void close() {
        try {
            sessions.close();
        } finally {
            embedded.ifPresent(EmbeddedPostgresServer::close);
        }
    }
}
