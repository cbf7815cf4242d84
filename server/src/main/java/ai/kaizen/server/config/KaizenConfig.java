package ai.kaizen.server.config;

import ai.kaizen.db.DatabaseSettings;
import ai.kaizen.db.DatabaseUrl;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.server.chat.ChatSettings;
import ai.kaizen.server.review.ReviewSettings;
import ai.kaizen.trainer.registry.ArtifactSettings;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The whole configuration, typed and validated. See {@link ConfigKey} for what each field means and
 * {@link ConfigLoader} for where values come from.
 */
public record KaizenConfig(
        Path home,
        String httpHost,
        int httpPort,
        boolean trustProxy,
        Duration sessionMaxAge,
        int requestsPerMinute,
        int loginsPerMinute,
        int maxRequestBytes,
        Optional<DatabaseUrl> databaseUrl,
        int databasePoolSize,
        int databaseEmbeddedPort,
        Duration healthDatabaseOutage,
        Duration shutdownGrace,
        String logLevel,
        Optional<Path> modelDir,
        ChatSettings chat,
        int messagesPerMinute,
        Map<ConfigKey, String> values) {

    private static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

    /** Defaults for everything, with {@code home} set and a free port on the loopback interface: for tests. */
    public static KaizenConfig defaults(Path home) {
        return of(Map.of(ConfigKey.HOME, home.toString(), ConfigKey.HTTP_HOST, "127.0.0.1",
                ConfigKey.HTTP_PORT, "0"));
    }

    /** The configuration with these values and defaults for the rest (no environment, no file). */
    public static KaizenConfig of(Map<ConfigKey, String> values) {
        ConfigValues raw = new ConfigValues();
        values.forEach((key, value) -> raw.set(key, value, "code"));
        return from(raw);
    }

    /** This configuration with some values replaced. */
    public KaizenConfig with(Map<ConfigKey, String> changes) {
        Map<ConfigKey, String> all = new EnumMap<>(values);
        all.putAll(changes);
        return of(all);
    }

    /** What the db module needs to open the database. */
    public DatabaseSettings databaseSettings() {
        return new DatabaseSettings(databaseUrl, home, databaseEmbeddedPort, databasePoolSize);
    }

    /** Retraining cycles' settings (validated with the rest when the configuration is read). */
    public LifecycleSettings lifecycle() {
        return LifecycleSettings.of(values);
    }

    /** How models answer concurrent requests (validated with the rest when the configuration is read). */
    public InferenceSettings inference() {
        return InferenceSettings.of(values);
    }

    /** How this process holds the weights of the models it runs ({@code model.dtype}). */
    public ModelOptions modelOptions() {
        return serving().modelOptions();
    }

    /** What serves the models, here or an external engine (validated with the rest when the configuration is read). */
    public ServingSettings serving() {
        return ServingSettings.of(values);
    }

    /** Where artifacts are kept (validated with the rest when the configuration is read). */
    public ArtifactSettings artifacts() {
        ConfigValues raw = new ConfigValues();
        values.forEach((key, value) -> raw.set(key, value, "configuration"));
        return artifacts(raw);
    }

    private static ArtifactSettings artifacts(ConfigValues values) {
        String url = values.text(ConfigKey.ARTIFACTS_URL);
        String endpoint = values.text(ConfigKey.ARTIFACTS_S3_ENDPOINT);
        Optional<java.net.URI> uri = Optional.empty();
        if (!endpoint.isEmpty()) {
            try {
                uri = Optional.of(java.net.URI.create(endpoint));
            } catch (IllegalArgumentException e) {
                throw values.invalid(ConfigKey.ARTIFACTS_S3_ENDPOINT, "is not a URL");
            }
            if (!"http".equals(uri.get().getScheme()) && !"https".equals(uri.get().getScheme())
                    || uri.get().getHost() == null) {
                throw values.invalid(ConfigKey.ARTIFACTS_S3_ENDPOINT, "is not an http:// or https:// URL");
            }
        }
        String region = values.text(ConfigKey.ARTIFACTS_S3_REGION);
        boolean pathStyle = values.bool(ConfigKey.ARTIFACTS_S3_PATH_STYLE);
        try {
            return new ArtifactSettings(url, uri, region.isEmpty() ? Optional.empty() : Optional.of(region),
                    pathStyle);
        } catch (IllegalArgumentException e) {
            throw values.invalid(ConfigKey.ARTIFACTS_URL, e.getMessage());
        }
    }

    /** Online comparisons' settings (validated with the rest when the configuration is read). */
    public ComparisonSettings comparison() {
        return ComparisonSettings.of(values);
    }

    /** How long sessions and API keys stay cached ({@code session.cache-seconds}); zero keeps none. */
    public Duration credentialCacheTime() {
        return Duration.ofSeconds(Integer.parseInt(values.getOrDefault(ConfigKey.SESSION_CACHE_SECONDS,
                ConfigKey.SESSION_CACHE_SECONDS.defaultValue())));
    }

    /**
     * How long a client may take to send a whole request, and a connection may pass no data, before it is closed
     * ({@code http.idle-timeout-seconds}).
     */
    public Duration httpIdleTimeout() {
        return Duration.ofSeconds(Integer.parseInt(values.getOrDefault(ConfigKey.HTTP_IDLE_TIMEOUT_SECONDS,
                ConfigKey.HTTP_IDLE_TIMEOUT_SECONDS.defaultValue())));
    }

    /** The bearer token {@code GET /metrics} requires, if one is configured. */
    public Optional<String> metricsToken() {
        return Optional.ofNullable(values.get(ConfigKey.METRICS_TOKEN)).map(String::strip).filter(t -> !t.isEmpty());
    }

    static KaizenConfig from(ConfigValues values) {
        values.integer(ConfigKey.SESSION_CACHE_SECONDS, 0, 3600);
        values.integer(ConfigKey.HTTP_IDLE_TIMEOUT_SECONDS, 1, 86_400);
        ComparisonSettings.from(values);
        InferenceSettings.from(values);
        ServingSettings.from(values);
        artifacts(values);
        LifecycleSettings.from(values); // checked here, so a bad value stops start-up naming where it came from
        return new KaizenConfig(
                home(values),
                host(values),
                values.integer(ConfigKey.HTTP_PORT, 0, 65535),
                values.bool(ConfigKey.HTTP_TRUST_PROXY),
                Duration.ofHours(values.integer(ConfigKey.SESSION_MAX_AGE_HOURS, 1, 24 * 365)),
                values.integer(ConfigKey.LIMITS_REQUESTS_PER_MINUTE, 1, 1_000_000),
                values.integer(ConfigKey.LIMITS_LOGINS_PER_MINUTE, 1, 10_000),
                values.integer(ConfigKey.LIMITS_REQUEST_BYTES, 1024, 64 * 1024 * 1024),
                databaseUrl(values),
                values.integer(ConfigKey.DATABASE_POOL_SIZE, 1, 1000),
                values.integer(ConfigKey.DATABASE_EMBEDDED_PORT, 0, 65535),
                Duration.ofSeconds(values.integer(ConfigKey.HEALTH_DATABASE_OUTAGE_SECONDS, 1, 86_400)),
                Duration.ofSeconds(values.integer(ConfigKey.SHUTDOWN_GRACE_SECONDS, 0, 3600)),
                logLevel(values),
                modelDir(values),
                chat(values),
                values.integer(ConfigKey.LIMITS_MESSAGES_PER_MINUTE, 1, 100_000),
                Map.copyOf(validReview(values)));
    }

    /** The reviewer workspace's settings (checked at start-up with the rest). */
    public ReviewSettings review() {
        ConfigValues raw = new ConfigValues();
        values.forEach((key, value) -> raw.set(key, value, "configuration"));
        return review(raw);
    }

    /** The texts, once the review settings among them are known to be valid. */
    private static Map<ConfigKey, String> validReview(ConfigValues values) {
        review(values);
        return values.texts();
    }

    private static ReviewSettings review(ConfigValues values) {
        String guidelines = values.text(ConfigKey.REVIEW_GUIDELINES);
        Optional<Path> file = Optional.empty();
        if (!guidelines.isEmpty()) {
            try {
                file = Optional.of(Path.of(guidelines).toAbsolutePath().normalize());
            } catch (InvalidPathException e) {
                throw values.invalid(ConfigKey.REVIEW_GUIDELINES, "is not a path: " + e.getReason());
            }
            if (!java.nio.file.Files.isReadable(file.get())) {
                throw values.invalid(ConfigKey.REVIEW_GUIDELINES, "cannot be read (" + file.get() + ")");
            }
        }
        return new ReviewSettings(
                values.integer(ConfigKey.REVIEW_CANDIDATES, 2, 4),
                values.integer(ConfigKey.REVIEW_OVERLAP, 1, 100),
                values.integer(ConfigKey.REVIEW_BUFFER, 0, 10_000),
                Duration.ofMinutes(values.integer(ConfigKey.REVIEW_EDIT_MINUTES, 0, 7 * 24 * 60)),
                file);
    }

    private static Path home(ConfigValues values) {
        String text = values.text(ConfigKey.HOME);
        if (text.isEmpty()) {
            throw values.invalid(ConfigKey.HOME, "is empty");
        }
        if (text.equals("~") || text.startsWith("~/")) {
            text = System.getProperty("user.home") + text.substring(1);
        }
        try {
            return Path.of(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw values.invalid(ConfigKey.HOME, "is not a path: " + e.getReason());
        }
    }

    private static String host(ConfigValues values) {
        String host = values.text(ConfigKey.HTTP_HOST);
        if (host.isEmpty() || !host.matches("[A-Za-z0-9.:\\-\\[\\]%]+")) {
            throw values.invalid(ConfigKey.HTTP_HOST, "is not a host name or address");
        }
        return host;
    }

    private static Optional<DatabaseUrl> databaseUrl(ConfigValues values) {
        String text = values.text(ConfigKey.DATABASE_URL);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(DatabaseUrl.parse(text));
        } catch (IllegalArgumentException e) {
            throw values.invalidSecret(ConfigKey.DATABASE_URL, e.getMessage());
        }
    }

    private static Optional<Path> modelDir(ConfigValues values) {
        String text = values.text(ConfigKey.MODEL_DIR);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Path dir;
        try {
            dir = Path.of(text.startsWith("~/") ? System.getProperty("user.home") + text.substring(1) : text)
                    .toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw values.invalid(ConfigKey.MODEL_DIR, "is not a path: " + e.getReason());
        }
        if (!LanguageModel.isModelDirectory(dir)) {
            if (text.equals(ConfigKey.MODEL_DIR.defaultValue())) {
                // the default names the repository's starter model: started elsewhere, serve none rather than fail
                // (compared by text, not source: with() passes the defaults on as set values)
                return Optional.empty();
            }
            throw values.invalid(ConfigKey.MODEL_DIR, "is not a model directory (no config.json nor adapter_config.json in " + dir + ")");
        }
        return Optional.of(dir);
    }

    private static ChatSettings chat(ConfigValues values) {
        List<String> reasons = java.util.Arrays.stream(values.text(ConfigKey.FEEDBACK_REASONS).split(","))
                .map(String::strip).filter(r -> !r.isEmpty()).distinct().toList();
        if (reasons.isEmpty()) {
            throw values.invalid(ConfigKey.FEEDBACK_REASONS, "lists no reason");
        }
        return new ChatSettings(
                values.get(ConfigKey.CHAT_SYSTEM_PROMPT).text(),
                values.integer(ConfigKey.CHAT_MAX_NEW_TOKENS, 1, 32_768),
                values.decimal(ConfigKey.CHAT_TEMPERATURE, 0.01, 5),
                values.decimal(ConfigKey.CHAT_TOP_P, 0.01, 1),
                values.integer(ConfigKey.CHAT_TOP_K, 0, 1_000_000),
                values.decimal(ConfigKey.CHAT_REPETITION_PENALTY, 1, 5),
                values.decimal(ConfigKey.CHAT_PAIRWISE_PROBABILITY, 0, 1),
                values.integer(ConfigKey.LIMITS_MESSAGE_CHARS, 1, 1_000_000),
                values.integer(ConfigKey.LIMITS_CONVERSATION_MESSAGES, 2, 100_000),
                values.integer(ConfigKey.LIMITS_SESSION_CONVERSATIONS, 1, 1_000_000),
                reasons,
                values.integer(ConfigKey.CHAT_PROGRESS_SAVE_MS, 10, 600_000));
    }

    private static String logLevel(ConfigValues values) {
        String level = values.text(ConfigKey.LOG_LEVEL).toUpperCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
            throw values.invalid(ConfigKey.LOG_LEVEL, "is not one of TRACE, DEBUG, INFO, WARN, ERROR");
        }
        return level;
    }
}
