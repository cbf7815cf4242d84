package ai.kaizen.server.simulate;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A running Kaizen over HTTP, as its clients see it: the OpenAI-compatible API with an API key, and the console's
 * JSON API with an operator's session (signed in through the login form, its CSRF token read from the page). A
 * request refused for now (429 rate limit, 503 full queue) is sent again after its {@code Retry-After}, so that a
 * simulation at the server's limits slows down rather than fails; each such wait is counted.
 */
final class KaizenClient {

    /** How many times one request waits for the server before it gives up. */
    private static final int MAX_WAITS = 120;
    private static final Pattern LOGIN_CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    private static final Pattern PAGE_CSRF = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"");

    private final URI base;
    private final String apiKey;
    private final Duration timeout;
    private final HttpClient http = HttpClient.newBuilder()
            .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final AtomicLong waits = new AtomicLong();
    private volatile String csrf = "";

    /**
     * @param base    the server's address, e.g. {@code http://127.0.0.1:8080}
     * @param apiKey  a key from {@code kaizen admin create-api-key}
     * @param timeout how long one request may take (an answer of the model included)
     */
    KaizenClient(URI base, String apiKey, Duration timeout) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.apiKey = apiKey;
        this.timeout = timeout;
    }

    /** A request the server answered with an error, or that never got an answer. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    /** One answer of the API: its completion id (which feedback refers to), its text and the answering model. */
    record Completion(String id, String text, String model) {
    }

    /** Checks the key (and that the server is there): the serving model's name. */
    String servingModel() {
        JsonArray models = new JsonObject(send(api("/v1/models").GET(), 200)).getJsonArray("data", new JsonArray());
        return models.isEmpty() ? null : models.getJsonObject(0).getString("id");
    }

    /** {@code POST /v1/chat/completions}: the message alone (the server adds its system prompt), seeded. */
    Completion complete(String message, long seed, int maxTokens) {
        JsonObject body = new JsonObject().put("model", "kaizen")
                .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", message)))
                .put("seed", seed).put("max_tokens", maxTokens);
        JsonObject answer = new JsonObject(send(api("/v1/chat/completions").POST(json(body)), 200));
        JsonObject choice = answer.getJsonArray("choices").getJsonObject(0);
        return new Completion(answer.getString("id"), choice.getJsonObject("message").getString("content"),
                answer.getString("model"));
    }

    /** {@code POST /v1/feedback}. */
    void feedback(JsonObject body) {
        send(api("/v1/feedback").POST(json(body)), 200);
    }

    /** Signs in as an operator through the login form and keeps the session's CSRF token for the console. */
    void signIn(String name, String password) {
        Matcher form = LOGIN_CSRF.matcher(send(request("/login").GET(), 200));
        if (!form.find()) {
            throw new Failure("the login page has no CSRF token");
        }
        String body = "_csrf=" + encode(form.group(1)) + "&name=" + encode(name) + "&password=" + encode(password);
        HttpResponse<String> signedIn = exchange(request("/login")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        if (signedIn.statusCode() != 303) {
            throw new Failure("signing in as " + name + " failed (" + signedIn.statusCode() + "): wrong name or "
                    + "password, or too many attempts");
        }
        Matcher token = PAGE_CSRF.matcher(send(request("/").GET(), 200));
        if (!token.find()) {
            throw new Failure("the chat page has no CSRF token");
        }
        csrf = token.group(1);
    }

    /** A console JSON request as the signed-in operator; {@code body} may be null. */
    String console(String method, String path, JsonObject body, int expected) {
        HttpRequest.Builder request = request(path).header("X-CSRF-Token", csrf).header("Content-Type",
                "application/json").method(method, body == null ? HttpRequest.BodyPublishers.noBody() : json(body));
        return send(request, expected);
    }

    /** Waits on 429 and 503 so far. */
    long waits() {
        return waits.get();
    }

    private HttpRequest.Builder api(String path) {
        return request(path).header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json");
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
    }

    private static HttpRequest.BodyPublisher json(JsonObject body) {
        return HttpRequest.BodyPublishers.ofString(body.encode(), StandardCharsets.UTF_8);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /** The body of a response with status {@code expected}, waiting and retrying while the server is busy. */
    private String send(HttpRequest.Builder request, int expected) {
        HttpResponse<String> response = exchange(request);
        for (int wait = 0; (response.statusCode() == 429 || response.statusCode() == 503) && wait < MAX_WAITS;
             wait++) {
            waits.incrementAndGet();
            long seconds = response.headers().firstValueAsLong("Retry-After").orElse(1);
            sleep(Duration.ofSeconds(Math.max(1, Math.min(seconds, 60))));
            response = exchange(request);
        }
        if (response.statusCode() != expected) {
            HttpRequest sent = request.build();
            throw new Failure(sent.method() + " " + sent.uri().getPath() + ": " + response.statusCode() + " "
                    + errorOf(response.body()));
        }
        return response.body();
    }

    private HttpResponse<String> exchange(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Failure("cannot reach " + base + ": " + (e.getMessage() == null ? e : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
    }

    /** The error message of Kaizen's JSON errors ({@code {"error": "..."}} or OpenAI's shape), else the body. */
    private static String errorOf(String body) {
        try {
            Object error = new JsonObject(body).getValue("error");
            if (error instanceof JsonObject openAi) {
                return openAi.getString("message", body);
            }
            return error instanceof String s ? s : body;
        } catch (DecodeException | ClassCastException e) {
            return body.length() > 200 ? body.substring(0, 200) + "..." : body;
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
    }
}
