package ai.kaizen.db.registry;

import ai.kaizen.db.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.pgclient.pubsub.PgSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongConsumer;

/**
 * Listens on {@link ModelRegistry#CHANNEL} with its own connection (LISTEN needs one that stays open; the pool's
 * connections are lent and returned), reconnecting when the connection drops. Every promotion by any instance
 * reaches {@code onPromoted} with the promoted version's id; after a reconnect, {@code onReconnected} runs so that
 * the listener can catch up on promotions it missed while disconnected.
 */
public final class PromotionNotices implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PromotionNotices.class);

    private final PgSubscriber subscriber;

    private PromotionNotices(PgSubscriber subscriber) {
        this.subscriber = subscriber;
    }

    /** Connects and listens; completes once listening. */
    public static Future<PromotionNotices> listen(Vertx vertx, DatabaseUrl url, LongConsumer onPromoted,
                                                  Runnable onReconnected) {
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
        subscriber.channel(ModelRegistry.CHANNEL)
                .subscribeHandler(v -> {
                    // A dropped connection (e.g. the database stopping first at shutdown) is expected: the
                    // subscriber reconnects; without a handler the driver prints the error outside the logs.
                    if (subscriber.actualConnection() != null) {
                        subscriber.actualConnection().exceptionHandler(e ->
                                log.info("promotion listener connection lost: {}", e.getMessage()));
                    }
                    if (connectedOnce[0]) {
                        log.info("listening for model promotions again");
                        onReconnected.run();
                    }
                    connectedOnce[0] = true;
                })
                .handler(payload -> {
                    try {
                        onPromoted.accept(Long.parseLong(payload.strip()));
                    } catch (NumberFormatException e) {
                        log.warn("ignoring malformed promotion notice '{}'", payload);
                    }
                });
        subscriber.closeHandler(v -> log.info("promotion listener closed"));
        return subscriber.connect().map(v -> new PromotionNotices(subscriber));
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
