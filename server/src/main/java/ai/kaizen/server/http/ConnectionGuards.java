package ai.kaizen.server.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;

import java.time.Duration;

/**
 * What every HTTP/1 connection gets before its first byte is read, below the router: a request decoder that refuses
 * ambiguous framing ({@link StrictRequestDecoder}), a bound on how long a client may take to send a request
 * ({@link SlowClientTimeout}), and a JSON answer to a request the decoder could not make sense of, delivered even
 * while the client is still sending ({@link LingeringClose}). The handlers go into the connection's Netty pipeline,
 * which Vert.x has built by the time it announces the connection (on the connection's event loop, before any read,
 * provided h2c is off).
 */
public final class ConnectionGuards {

    /** Vert.x's names for its HTTP/1 handlers in the pipeline. */
    private static final String DECODER = "httpDecoder";
    private static final String VERTX_HANDLER = "handler";

    private ConnectionGuards() {
    }

    /**
     * Installs the guards on {@code server}, whose options are {@code options}; {@code requestTimeout} bounds how
     * long a client may take to send a whole request.
     */
    public static void install(HttpServer server, HttpServerOptions options, Duration requestTimeout) {
        if (options.isHttp2ClearTextEnabled()) {
            // Vert.x would then build the HTTP/1 pipeline in the middle of decoding the first request.
            throw new IllegalArgumentException("connection guards need h2c off (setHttp2ClearTextEnabled(false))");
        }
        server.connectionHandler(guard(options, requestTimeout));
        server.invalidRequestHandler(request -> invalidRequest(request, options));
    }

    private static Handler<HttpConnection> guard(HttpServerOptions options, Duration requestTimeout) {
        return connection -> {
            if (!(connection instanceof ConnectionBase base)) {
                return;
            }
            ChannelPipeline pipeline = base.channel().pipeline();
            if (pipeline.get(DECODER) == null) {
                return; // HTTP/2 from its first byte: no HTTP/1 framing to check, and its own stream handling
            }
            pipeline.replace(DECODER, DECODER, new StrictRequestDecoder(options));
            pipeline.addBefore(VERTX_HANDLER, "slowClientTimeout", new SlowClientTimeout(requestTimeout));
            pipeline.addFirst("lingeringClose", new LingeringClose());
        };
    }

    /**
     * A request whose head could not be decoded (a malformed line, headers too long, ambiguous framing): 414, 431 or
     * 400, as Vert.x answers them, with the reason in the usual JSON error, and the connection closed, since where
     * the next request would start is unknown.
     */
    private static void invalidRequest(HttpServerRequest request, HttpServerOptions options) {
        Throwable cause = request.decoderResult().cause();
        int status;
        String reason;
        if (cause instanceof TooLongHttpLineException) {
            status = 414;
            reason = "the request line is longer than " + options.getMaxInitialLineLength() + " bytes";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = 431;
            reason = "the request headers are longer than " + options.getMaxHeaderSize() + " bytes";
        } else {
            status = 400;
            reason = cause instanceof IllegalArgumentException && cause.getMessage() != null
                    ? cause.getMessage() : "the request could not be read as HTTP/1.1";
        }
        if (request.connection() instanceof ConnectionBase base) {
            LingeringClose.arm(base.channel());
        }
        HttpServerResponse response = request.response();
        response.setStatusCode(status)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .putHeader("Connection", "close")
                .end(new JsonObject().put("error", reason).encode())
                .onComplete(sent -> response.close());
    }
}
