package ai.kaizen.server.config;

import ai.kaizen.db.DatabaseSettings;
import ai.kaizen.db.DatabaseUrl;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
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
        Optional<DatabaseUrl> databaseUrl,
        int databasePoolSize,
        int databaseEmbeddedPort,
        Duration shutdownGrace,
        String logLevel) {

    private static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

    /** Defaults for everything, with {@code home} set: what tests start from. */
    public static KaizenConfig defaults(Path home) {
        return new KaizenConfig(home, "127.0.0.1", 0, Optional.empty(), 10, 0, Duration.ofSeconds(20), "INFO");
    }

    public KaizenConfig withHttpPort(int port) {
        return new KaizenConfig(home, httpHost, port, databaseUrl, databasePoolSize, databaseEmbeddedPort,
                shutdownGrace, logLevel);
    }

    public KaizenConfig withDatabaseUrl(DatabaseUrl url) {
        return new KaizenConfig(home, httpHost, httpPort, Optional.of(url), databasePoolSize, databaseEmbeddedPort,
                shutdownGrace, logLevel);
    }

    /** What the db module needs to open the database. */
    public DatabaseSettings databaseSettings() {
        return new DatabaseSettings(databaseUrl, home, databaseEmbeddedPort, databasePoolSize);
    }

    static KaizenConfig from(ConfigValues values) {
        return new KaizenConfig(
                home(values),
                host(values),
                values.integer(ConfigKey.HTTP_PORT, 0, 65535),
                databaseUrl(values),
                values.integer(ConfigKey.DATABASE_POOL_SIZE, 1, 1000),
                values.integer(ConfigKey.DATABASE_EMBEDDED_PORT, 0, 65535),
                Duration.ofSeconds(values.integer(ConfigKey.SHUTDOWN_GRACE_SECONDS, 0, 3600)),
                logLevel(values));
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

    private static String logLevel(ConfigValues values) {
        String level = values.text(ConfigKey.LOG_LEVEL).toUpperCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
            throw values.invalid(ConfigKey.LOG_LEVEL, "is not one of TRACE, DEBUG, INFO, WARN, ERROR");
        }
        return level;
    }
}
