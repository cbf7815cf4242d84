package ai.kaizen.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP/1 connection whose client takes longer than a bound to send a whole request: counted from the
 * connection's start, or from the end of the answer to its previous request, to the end of the request's body. It
 * catches what an idle timeout cannot: a client that trickles a header line a byte at a time (slowloris) keeps a
 * connection "active" for ever. The clock only runs while the server waits for the client: from a request's last
 * byte until its answer's last byte it is stopped, so an answer that streams for minutes is never cut; nor does it
 * count while the server itself has stopped reading (back-pressure).
 *
 * <p>It sits between the HTTP codec and Vert.x's handler, seeing decoded requests come in and answers go out. Once
 * the connection stops speaking HTTP/1 (upgraded to HTTP/2), it steps out of the way.
 */
final class SlowClientTimeout extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(SlowClientTimeout.class);

    private final long timeoutNanos;
    /** Requests whose last byte arrived, and answers whose last byte was written, on this connection. */
    private long requestsRead;
    private long answersWritten;
    private ScheduledFuture<?> deadline;

    SlowClientTimeout(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof HttpObject)) {
            stepAside(ctx); // no longer HTTP/1 (an h2c upgrade): not this handler's business any more
        } else if (msg instanceof LastHttpContent) {
            requestsRead++;
            disarm();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof LastHttpContent) {
            promise = promise.unvoid();
            promise.addListener(written -> {
                answersWritten++;
                if (answersWritten >= requestsRead) {
                    arm(ctx); // waiting for the client again
                }
            });
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        deadline = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        deadline = null;
        if (ctx.isRemoved() || answersWritten < requestsRead) {
            return;
        }
        if (!ctx.channel().config().isAutoRead()) {
            arm(ctx); // the server has paused reading: the client cannot be blamed for what it has not read yet
            return;
        }
        log.debug("closing {}: no whole request within {} s", ctx.channel().remoteAddress(),
                TimeUnit.NANOSECONDS.toSeconds(timeoutNanos));
        ctx.close();
    }

    private void stepAside(ChannelHandlerContext ctx) {
        disarm();
        ctx.pipeline().remove(this);
    }
}
