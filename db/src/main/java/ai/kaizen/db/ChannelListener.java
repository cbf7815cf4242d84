package ai.kaizen.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.pgclient.pubsub.PgSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * Listens on one PostgreSQL {@code NOTIFY} channel with its own connection (LISTEN needs one that stays open; the
 * pool's connections are lent and returned), reconnecting when the connection drops. Every notice reaches
 * {@code onNotice} with its payload; after a reconnect, {@code onReconnected} runs so that the listener can make up
 * for notices it missed while disconnected.
 */
public final class ChannelListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChannelListener.class);

    private final PgSubscriber subscriber;

    private ChannelListener(PgSubscriber subscriber) {
        this.subscriber = subscriber;
    }

    /** Connects and listens; completes once listening. {@code what} names the notices in log lines. */
    public static Future<ChannelListener> listen(Vertx vertx, DatabaseUrl url, String channel, String what,
                                                 Consumer<String> onNotice, Runnable onReconnected) {
        PgConnectOptions options = new PgConnectOptions()
                .setHost(url.host()).setPort(url.port()).setDatabase(url.database())
                .setUser(url.user()).setPassword(url.password());
        String sslMode = url.params().get("sslmode");
        if (sslMode != null) {
            options.setSslMode(SslMode.of(sslMode));
        }
        PgSubscriber subscriber = PgSubscriber.subscriber(vertx, options)
                .reconnectPolicy(retries -> 1_000L);
        boolean[] connectedOnce = {false};
        subscriber.channel(channel)
                .subscribeHandler(v -> {
                    // A dropped connection (e.g. the database stopping first at shutdown) is expected: the
                    // subscriber reconnects; without a handler the driver prints the error outside the logs.
                    if (subscriber.actualConnection() != null) {
                        subscriber.actualConnection().exceptionHandler(e ->
                                log.info("{} listener connection lost: {}", what, e.getMessage()));
                    }
                    if (connectedOnce[0]) {
                        log.info("listening for {} again", what);
                        onReconnected.run();
                    }
                    connectedOnce[0] = true;
                })
                .handler(onNotice::accept);
        subscriber.closeHandler(v -> log.info("{} listener closed", what));
        return subscriber.connect().map(v -> new ChannelListener(subscriber));
    }

    /** Stops listening; completes when the connection is closed (close it before the database stops). */
    public Future<Void> stop() {
        return subscriber.close();
    }

    @Override
    public void close() {
        stop();
    }
}
