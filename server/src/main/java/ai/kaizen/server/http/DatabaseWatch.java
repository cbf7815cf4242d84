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
 * the log says once when the database went away and when it came back, rather than once per failed request. While
 * it does not answer, an embedded PostgreSQL that this process started and that has died is started again, with a
 * back-off between failed attempts, so that the server heals without a restart.
 */
public final class DatabaseWatch {

    private static final Logger log = LoggerFactory.getLogger(DatabaseWatch.class);
    private static final long PING_TIMEOUT_MS = 2_000;
    private static final Duration FIRST_RESTART_DELAY = Duration.ofSeconds(2);
    private static final Duration LONGEST_RESTART_DELAY = Duration.ofMinutes(1);

    private final Vertx vertx;
    private final Database database;
    private final Clock clock;
    private volatile Instant unavailableSince;
    /** Touched on the watch's own context only. */
    private boolean restarting;
    private Instant nextRestart = Instant.MIN;
    private Duration restartDelay = FIRST_RESTART_DELAY;

    /** Starts pinging {@code database} every {@code every} on {@code vertx} (stops when Vert.x closes). */
    public DatabaseWatch(Vertx vertx, Database database, Duration every, Clock clock) {
        this.vertx = vertx;
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
            if (ping.failed()) {
                restartEmbedded();
            }
        });
    }

    private void restartEmbedded() {
        Instant now = clock.instant();
        if (restarting || !database.isEmbedded() || now.isBefore(nextRestart)) {
            return;
        }
        restarting = true;
        vertx.executeBlocking(database::restartEmbeddedIfDown, false).onComplete(restart -> {
            restarting = false;
            if (restart.succeeded()) {
                restartDelay = FIRST_RESTART_DELAY;
                nextRestart = clock.instant();
            } else {
                log.warn("could not start the embedded PostgreSQL again (next try in {} s): {}",
                        restartDelay.toSeconds(), String.valueOf(restart.cause()));
                nextRestart = clock.instant().plus(restartDelay);
                restartDelay = restartDelay.multipliedBy(2).compareTo(LONGEST_RESTART_DELAY) > 0
                        ? LONGEST_RESTART_DELAY : restartDelay.multipliedBy(2);
            }
        });
    }

    /** How long the database has not answered; empty while it does. */
    public Optional<Duration> outage() {
        Instant since = unavailableSince;
        return since == null ? Optional.empty() : Optional.of(Duration.between(since, clock.instant()));
    }
}
