package ai.kaizen.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose client may still be sending, in two steps, as web servers do after refusing a request
 * before its body arrived. Closing at once while the client's bytes keep coming makes the kernel answer them with a
 * reset, and a client whose write fails that way reports "no answer" instead of the 4xx it was sent. So on
 * {@link #armed(Channel) armed} connections a close first stops the server's writing (the client reads the answer,
 * then end of stream), keeps reading (the refusing decoder discards it all), and closes for good when the client
 * closes or after {@link #LINGER}, whichever comes first. Other closes pass through unchanged.
 */
final class LingeringClose extends ChannelOutboundHandlerAdapter {

    /** How long a refused request's client may go on sending before its connection is closed regardless. */
    static final Duration LINGER = Duration.ofSeconds(5);

    private boolean armed;

    /** Makes the next close of {@code channel} a lingering one, if the channel has this handler. */
    static void arm(Channel channel) {
        LingeringClose handler = channel.pipeline().get(LingeringClose.class);
        if (handler != null) {
            handler.armed = true;
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!armed || !(ctx.channel() instanceof DuplexChannel channel) || channel.isInputShutdown()
                || channel.isOutputShutdown() || !channel.isActive()) {
            ctx.close(promise);
            return;
        }
        armed = false;
        channel.shutdownOutput().addListener(shut ->
                ctx.executor().schedule(() -> ctx.close(promise), LINGER.toMillis(), TimeUnit.MILLISECONDS));
    }
}
