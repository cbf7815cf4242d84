package ai.kaizen.server.http;

import ai.kaizen.db.Database;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings the database every few seconds and remembers since when it has not answered, so that {@code /health} can
 * fail after a bounded outage (a supervisor then restarts the process, which starts or reattaches its database) and
 * the log says once when the database went away and when it came back, rather than once per failed request.
 */
public final class DatabaseWatch {

    private static final Logger log = LoggerFactory.getLogger(DatabaseWatch.class);
    private static final long PING_TIMEOUT_MS = 2_000;

    private final Database database;
    private final Clock clock;
    private volatile Instant unavailableSince;

    /** Starts pinging {@code database} every {@code every} on {@code vertx} (stops when Vert.x closes). */
    public DatabaseWatch(Vertx vertx, Database database, Duration every, Clock clock) {
        this.database = database;
        this.clock = clock;
        OwnContext.periodic(vertx, every.toMillis(), every.toMillis(), this::check);
    }

    private void check() {
        database.ping().timeout(PING_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ping -> {
            Instant since = unavailableSince;
            if (ping.succeeded() && since != null) {
                unavailableSince = null;
                log.info("the database answers again, after {} s", Duration.between(since, clock.instant()).toSeconds());
            } else if (ping.failed() && since == null) {
                unavailableSince = clock.instant();
                log.warn("the database does not answer: {}", String.valueOf(ping.cause()));
            }
        });
    }

    /** How long the database has not answered; empty while it does. */
    public Optional<Duration> outage() {
        Instant since = unavailableSince;
        return since == null ? Optional.empty() : Optional.of(Duration.between(since, clock.instant()));
    }
}
