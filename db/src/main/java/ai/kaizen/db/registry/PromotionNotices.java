package ai.kaizen.db.registry;

import ai.kaizen.db.ChannelListener;
import ai.kaizen.db.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongConsumer;

/**
 * Listens on {@link ModelRegistry#CHANNEL}: every promotion by any instance reaches {@code onPromoted} with the
 * promoted version's id; after a reconnect, {@code onReconnected} runs so that the listener can catch up on
 * promotions it missed while disconnected.
 */
public final class PromotionNotices implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PromotionNotices.class);

    private final ChannelListener listener;

    private PromotionNotices(ChannelListener listener) {
        this.listener = listener;
    }

    /** Connects and listens; completes once listening. */
    public static Future<PromotionNotices> listen(Vertx vertx, DatabaseUrl url, LongConsumer onPromoted,
                                                  Runnable onReconnected) {
        return ChannelListener.listen(vertx, url, ModelRegistry.CHANNEL, "model promotions", payload -> {
            try {
                onPromoted.accept(Long.parseLong(payload.strip()));
            } catch (NumberFormatException e) {
                log.warn("ignoring malformed promotion notice '{}'", payload);
            }
        }, onReconnected).map(PromotionNotices::new);
    }

    /** Stops listening; completes when the connection is closed (close it before the database stops). */
    public Future<Void> stop() {
        return listener.stop();
    }

    @Override
    public void close() {
        stop();
    }
}
