package ai.kaizen.server.config;

import java.util.Locale;

/**
 * Every configuration key, with its default and its documentation: the one list from which the command-line flags,
 * the environment variable names and the README table are made.
 *
 * <p>A key {@code http.port} is read from the flag {@code --http-port}, the variable {@code KAIZEN_HTTP_PORT} and
 * the line {@code http.port=...} of {@code kaizen.properties}, in that order of precedence.
 */
public enum ConfigKey {
    HOME("home", "~/.kaizen", "DIR",
            "Kaizen's own data: the embedded database, models, training runs."),
    HTTP_HOST("http.host", "0.0.0.0", "HOST",
            "Interface the HTTP server listens on."),
    HTTP_PORT("http.port", "8080", "PORT",
            "HTTP port; 0 picks a free one (the log says which)."),
    HTTP_TRUST_PROXY("http.trust-proxy", "false", "BOOLEAN",
            "Trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy (client address, Secure cookies)."),
    SESSION_MAX_AGE_HOURS("session.max-age-hours", "720", "HOURS",
            "How long a browser session lives without use."),
    LIMITS_REQUESTS_PER_MINUTE("limits.requests-per-minute", "600", "N",
            "Requests a minute from one client address, all routes together."),
    LIMITS_LOGINS_PER_MINUTE("limits.logins-per-minute", "10", "N",
            "Sign-in attempts a minute from one client address."),
    LIMITS_REQUEST_BYTES("limits.request-bytes", "262144", "BYTES",
            "Largest request body accepted."),
    DATABASE_URL("database.url", "", "URL",
            "External PostgreSQL, e.g. `postgresql://user:pass@host:5432/kaizen`; empty runs the embedded "
                    + "PostgreSQL 17 with its data under `home`."),
    DATABASE_POOL_SIZE("database.pool-size", "10", "N",
            "Most connections the server opens to the database."),
    DATABASE_EMBEDDED_PORT("database.embedded-port", "0", "PORT",
            "Port of the embedded PostgreSQL; 0 picks a free one at each start."),
    SHUTDOWN_GRACE_SECONDS("shutdown.grace-seconds", "20", "SECONDS",
            "On SIGTERM, how long in-flight requests may run before the server closes anyway."),
    LOG_LEVEL("log.level", "INFO", "LEVEL",
            "Log level: TRACE, DEBUG, INFO, WARN or ERROR.");

    private final String key;
    private final String defaultValue;
    private final String label;
    private final String description;

    ConfigKey(String key, String defaultValue, String label, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.label = label;
        this.description = description;
    }

    /** The key as written in {@code kaizen.properties}, e.g. {@code http.port}. */
    public String key() {
        return key;
    }

    /** The environment variable, e.g. {@code KAIZEN_HTTP_PORT}. */
    public String environmentVariable() {
        return "KAIZEN_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The command-line flag, e.g. {@code --http-port}. */
    public String flag() {
        return "--" + key.replace('.', '-');
    }

    public String defaultValue() {
        return defaultValue;
    }

    /** What the value is, for help texts: {@code PORT}, {@code DIR}, ... */
    public String label() {
        return label;
    }

    public String description() {
        return description;
    }

    /** The key named {@code key} as written in a properties file, or null. */
    static ConfigKey byKey(String key) {
        for (ConfigKey k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        return null;
    }
}
