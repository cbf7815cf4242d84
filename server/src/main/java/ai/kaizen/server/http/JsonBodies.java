package ai.kaizen.server.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/**
 * Strict reading of request bodies and path ids: anything malformed is a 400 with a message, never a 500. Every JSON
 * body passes here, so this is also where text the database cannot store is turned away ({@link StorableText}).
 */
public final class JsonBodies {

    private JsonBodies() {
    }

    /** The body as a JSON object; on failure the context has already been failed with 400 and this is empty. */
    public static Optional<JsonObject> object(RoutingContext ctx) {
        Buffer body = ctx.body() == null ? null : ctx.body().buffer();
        if (body == null || body.length() == 0) {
            HttpError.fail(ctx, 400, "the request needs a JSON object body");
            return Optional.empty();
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body.getBytes())).toString();
        } catch (CharacterCodingException e) {
            HttpError.fail(ctx, 400, "the body is not valid UTF-8");
            return Optional.empty();
        }
        try {
            Object value = io.vertx.core.json.Json.decodeValue(text);
            if (value instanceof JsonObject object) {
                Optional<String> unstorable = StorableText.problemIn(object);
                if (unstorable.isPresent()) {
                    HttpError.fail(ctx, 400, unstorable.get());
                    return Optional.empty();
                }
                return Optional.of(object);
            }
            HttpError.fail(ctx, 400, "the body must be a JSON object");
        } catch (DecodeException e) {
            HttpError.fail(ctx, 400, "the body is not valid JSON");
        }
        return Optional.empty();
    }

    /** The path parameter {@code name} as a UUID; on failure the context has been failed with 400. */
    public static Optional<UUID> uuid(RoutingContext ctx, String name) {
        String text = ctx.pathParam(name);
        try {
            return Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException | NullPointerException e) {
            HttpError.fail(ctx, 400, "'" + (text == null ? "" : text) + "' is not a valid id");
            return Optional.empty();
        }
    }

    /** Ends the response with 200 and a JSON body. */
    public static void reply(RoutingContext ctx, Object body) {
        ctx.response().putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .end(io.vertx.core.json.Json.encode(body));
    }
}
