package ai.kaizen.server.http;

import ai.kaizen.server.account.Caller;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;
import java.util.UUID;

/**
 * What most page-API handlers start from: the session's caller, the {@code :id} path parameter, and (for writes)
 * the JSON body. When any is missing or malformed the request has already been answered with a 4xx.
 *
 * @param body the JSON body, or an empty object when none was asked for
 */
public record ApiRequest(Caller caller, UUID id, JsonObject body) {

    /** Reads caller and id. */
    public static Optional<ApiRequest> read(RoutingContext ctx) {
        return read(ctx, false);
    }

    /** Reads caller, id and the JSON object body. */
    public static Optional<ApiRequest> readWithBody(RoutingContext ctx) {
        return read(ctx, true);
    }

    private static Optional<ApiRequest> read(RoutingContext ctx, boolean withBody) {
        Optional<Caller> caller = Sessions.caller(ctx);
        if (caller.isEmpty()) {
            HttpError.fail(ctx, 401, "open the chat page first: it starts your session");
            return Optional.empty();
        }
        Optional<UUID> id = JsonBodies.uuid(ctx, "id");
        if (id.isEmpty()) {
            return Optional.empty();
        }
        Optional<JsonObject> body = withBody ? JsonBodies.object(ctx) : Optional.of(new JsonObject());
        return body.map(b -> new ApiRequest(caller.get(), id.get(), b));
    }
}
