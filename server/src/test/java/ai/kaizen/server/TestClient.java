package ai.kaizen.server;

import ai.kaizen.db.account.ApiKeyRepository;
import ai.kaizen.db.account.UserRepository;
import ai.kaizen.server.account.Accounts;
import io.vertx.core.json.JsonObject;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A browser-like HTTP client for tests: keeps cookies, knows the page's CSRF token, reads event streams. */
public final class TestClient {

    private static final Pattern CSRF_META = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"");

    private final String base;
    private final CookieManager cookies;
    private final HttpClient http;
    private String csrf = "";

    public TestClient(int port) {
        this("http://127.0.0.1:" + port, new CookieManager(null, CookiePolicy.ACCEPT_ALL));
    }

    private TestClient(String base, CookieManager cookies) {
        this.base = base;
        this.cookies = cookies;
        this.http = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * The same browser talking to another server on this host (as behind a load balancer): same cookies, same
     * CSRF token.
     */
    public TestClient on(int port) {
        TestClient other = new TestClient("http://127.0.0.1:" + port, cookies);
        other.csrf = csrf;
        return other;
    }

    /** The cookies this browser holds, as a {@code Cookie} header would send them. */
    public String cookieHeader() {
        return String.join("; ", cookies.getCookieStore().getCookies().stream().map(Object::toString).toList());
    }

    /** Opens the chat page, which starts a session, and keeps its CSRF token. */
    public TestClient openChat() throws Exception {
        HttpResponse<String> page = get("/");
        Matcher m = CSRF_META.matcher(page.body());
        if (!m.find()) {
            throw new AssertionError("no CSRF token on the chat page: " + page.statusCode());
        }
        csrf = m.group(1);
        return this;
    }

    public String csrf() {
        return csrf;
    }

    public void useCsrf(String token) {
        this.csrf = token;
    }

    public HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(method, path, HttpRequest.BodyPublishers.ofString(body == null ? "" : body));
    }

    public HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .header("X-CSRF-Token", csrf)
                .method(method, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request with these headers (and the CSRF token) and this body, whatever its method and content type. */
    public HttpResponse<String> send(String method, String path, java.util.Map<String, String> headers,
                                     HttpRequest.BodyPublisher body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(java.time.Duration.ofSeconds(60)).header("X-CSRF-Token", csrf).method(method, body);
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A form POST, as a browser sends it (the CSRF token goes in the form). */
    public HttpResponse<String> postForm(String path, String urlEncodedBody) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(urlEncodedBody)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public JsonObject json(String method, String path, JsonObject body) throws Exception {
        HttpResponse<String> r = send(method, path, body.encode());
        if (r.statusCode() >= 300) {
            throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        }
        return new JsonObject(r.body());
    }

    /** One server-sent event. */
    public record Event(String name, JsonObject data) {
    }

    /** The events of a streamed answer, read to the end. */
    public record Stream(int status, List<Event> events, String body) {
        public List<Event> named(String name) {
            return events.stream().filter(e -> e.name().equals(name)).toList();
        }

        public Event first(String name) {
            return named(name).stream().findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + body));
        }

        /** The text streamed for one answer. */
        public String text(String answerId) {
            StringBuilder text = new StringBuilder();
            named("token").stream().filter(e -> e.data().getString("answer").equals(answerId))
                    .forEach(e -> text.append(e.data().getString("text")));
            return text.toString();
        }
    }

    public Stream stream(String path, JsonObject body) throws Exception {
        HttpResponse<String> r = send("POST", path, body.encode());
        List<Event> events = new ArrayList<>();
        if (r.statusCode() == 200) {
            for (String chunk : r.body().split("\n\n")) {
                String name = null;
                String data = null;
                for (String line : chunk.split("\n")) {
                    if (line.startsWith("event: ")) {
                        name = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data = line.substring(6);
                    }
                }
                if (name != null && data != null) {
                    events.add(new Event(name, new JsonObject(data)));
                }
            }
        }
        return new Stream(r.statusCode(), events, r.body());
    }

    /**
     * Customers' traffic, rated: asks each of {@code prompts} in a conversation of its own and gives the answer
     * {@code stars}.
     */
    public void askAndRate(int stars, String... prompts) throws Exception {
        for (String prompt : prompts) {
            String conversation = json("POST", "/api/conversations", new JsonObject()).getString("id");
            String answer = stream("/api/conversations/" + conversation + "/messages",
                    new JsonObject().put("content", prompt)).first("start").data().getJsonArray("answers")
                    .getString(0);
            json("PUT", "/api/messages/" + answer + "/rating", new JsonObject().put("stars", stars));
        }
    }

    /** An answer stream held open and read event by event, as a browser tab reads it. */
    public record OpenStream(HttpResponse<java.io.InputStream> response, java.io.BufferedReader reader)
            implements AutoCloseable {
        /** The next event; null when the stream ended. */
        public Event next() throws java.io.IOException {
            String name = null;
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ") && name != null) {
                    return new Event(name, new JsonObject(line.substring(6)));
                }
            }
            return null;
        }

        /** Reads up to the first event called {@code name}. */
        public Event until(String name) throws java.io.IOException {
            for (Event e = next(); e != null; e = next()) {
                if (e.name().equals(name)) {
                    return e;
                }
            }
            throw new AssertionError("the stream ended before " + name + " (status " + response.statusCode() + ")");
        }

        @Override
        public void close() throws java.io.IOException {
            response.body().close();
        }
    }

    /** POSTs {@code body} to an answer stream and keeps it open. */
    public OpenStream open(String path, JsonObject body) throws Exception {
        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .header("X-CSRF-Token", csrf)
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        return new OpenStream(r, new java.io.BufferedReader(
                new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** A client signed in through the login form as {@code name}, its chat page opened (for the CSRF token). */
    public static TestClient signedIn(int port, String name, String password) throws Exception {
        TestClient client = new TestClient(port);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"")
                .matcher(client.get("/login").body());
        if (!m.find()) {
            throw new AssertionError("no CSRF token on the login page");
        }
        HttpResponse<String> r = client.postForm("/login", "_csrf=" + m.group(1) + "&name=" + name
                + "&password=" + java.net.URLEncoder.encode(password, java.nio.charset.StandardCharsets.UTF_8));
        if (r.statusCode() != 303) {
            throw new AssertionError("sign-in of " + name + " failed: " + r.statusCode());
        }
        return client.openChat();
    }

    /**
     * @param server a running server
     * @return its account service over its own database, for creating users and API keys in a test's set-up
     */
    public static Accounts accounts(KaizenServer server) {
        return new Accounts(new UserRepository(server.database().sessions()),
                new ApiKeyRepository(server.database().sessions()), Runnable::run);
    }
}
