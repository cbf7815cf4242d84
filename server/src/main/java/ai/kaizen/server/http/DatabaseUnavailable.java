package ai.kaizen.server.http;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.SocketException;

/**
 * Tells a failure that means "the database is away" (no connection, a connection closed under us, a server shutting
 * down or starting) from one that is a bug: the first is answered 503 with {@code Retry-After}, since the same
 * request will work once the database is back; the second 500.
 */
public final class DatabaseUnavailable {

    /** Seconds a client is asked to wait before it retries. */
    static final int RETRY_AFTER_SECONDS = 5;

    private DatabaseUnavailable() {
    }

    /** Whether {@code failure}, or any cause of it, says the database cannot be reached. */
    public static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // refused, or reset under a transaction (a killed server's sockets answer "Connection reset")
            if (t instanceof SocketException || t instanceof ClosedConnectionException) {
                return true;
            }
            // no connection within the pool's timeout: a database that accepts but does not answer
            if (t instanceof io.vertx.core.impl.NoStackTraceThrowable && "Timeout".equals(t.getMessage())
                    || t instanceof io.vertx.core.impl.NoStackTraceTimeoutException) {
                return true;
            }
            // SQLSTATE class 08: connection exceptions; 57P01-57P03: shutdown, crash shutdown, cannot connect now
            if (t instanceof PgException pg && pg.getSqlState() != null
                    && (pg.getSqlState().startsWith("08") || pg.getSqlState().startsWith("57P0"))) {
                return true;
            }
        }
        return false;
    }
}
