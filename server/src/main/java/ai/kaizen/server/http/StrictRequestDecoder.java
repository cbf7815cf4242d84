package ai.kaizen.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

import java.util.List;

/**
 * Vert.x's HTTP/1 request decoder, refusing a request that carries both {@code Content-Length} and
 * {@code Transfer-Encoding}: a proxy in front may frame such a request by the one while this server frames it by
 * the other, which lets a second request be smuggled inside the first's body (RFC 9112, section 6.3, allows a
 * server to reject it, and that is the only safe answer here). Netty would silently drop {@code Content-Length}
 * before any handler sees the request, so the check sits in the decoder; the request is then marked invalid (the
 * invalid-request handler answers 400 and closes the connection) and nothing after it is decoded.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

    /** Set once a request is refused: what follows it on the connection is unframed, so none of it is read. */
    private boolean refused;

    StrictRequestDecoder(HttpServerOptions options) {
        super(options);
    }

    /** Called once the request's head is read, before its body's framing is decided. */
    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage message) {
        if (message.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
                && message.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(
                    "a request may not have both Content-Length and Transfer-Encoding")));
            refused = true;
        }
        return super.isContentAlwaysEmpty(message);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (refused) {
            buffer.skipBytes(buffer.readableBytes()); // the connection closes once the 400 is sent
            return;
        }
        super.decode(ctx, buffer, out);
    }
}
