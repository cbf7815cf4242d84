package ai.kaizen.server.http;

import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.db.account.Role;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Signing in and out over real HTTP, with CSRF and sessions in the real database. */
class AccountRoutesTest {

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(), Duration.ofSeconds(120));

    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @BeforeAll
    static void start() throws Exception {
        await(TestClient.accounts(kaizen.server()).createUser("rita", Role.REVIEWER, "correct horse battery"));
    }

    private static HttpClient browser() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + kaizen.port() + path);
    }

    private static HttpResponse<String> get(HttpClient client, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).header("Accept", "text/html").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postForm(HttpClient client, String path, Map<String, String> form)
            throws Exception {
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return client.send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String csrfOf(HttpResponse<String> page) {
        Matcher m = CSRF_FIELD.matcher(page.body());
        assertThat(m.find()).as("CSRF field in the page").isTrue();
        return m.group(1);
    }

    private static JsonObject me(HttpClient client) throws Exception {
        return new JsonObject(get(client, "/api/me").body());
    }

    @Test
    void jsonAnswersAreNeverCachedAndStaticAssetsAre() throws Exception {
        HttpClient client = browser();
        assertThat(get(client, "/api/me").headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(get(client, "/v1/models").headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(get(client, "/static/kaizen.css").headers().firstValue("Cache-Control")).isNotEqualTo(
                Optional.of("no-store"));
    }

    @Test
    void signInAndOut() throws Exception {
        HttpClient client = browser();
        HttpResponse<String> page = get(client, "/login?next=/review");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("script-src 'self'").doesNotContain("unsafe-inline"));
        assertThat(page.headers().allValues("Set-Cookie")).anySatisfy(cookie ->
                assertThat(cookie).startsWith("kaizen_session=").containsIgnoringCase("HttpOnly").contains("SameSite=Lax"));
        String csrf = csrfOf(page);

        HttpResponse<String> wrong = postForm(client, "/login",
                Map.of("_csrf", csrf, "name", "rita", "password", "wrong password!", "next", "/review"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("Unknown name or wrong password.");

        HttpResponse<String> ok = postForm(client, "/login",
                Map.of("_csrf", csrf, "name", "RITA", "password", "correct horse battery", "next", "/review"));
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(ok.headers().firstValue("Location")).contains("/review");
        JsonObject signedIn = me(client);
        assertThat(signedIn.getBoolean("signed_in")).isTrue();
        assertThat(signedIn.getString("role")).isEqualTo("reviewer");
        assertThat(signedIn.getString("name")).isEqualTo("rita");

        // The session was replaced at sign-in, so the old CSRF token is gone with it.
        assertThat(postForm(client, "/logout", Map.of("_csrf", csrf)).statusCode()).isEqualTo(403);
        String newCsrf = csrfOf(get(client, "/login"));
        assertThat(newCsrf).isNotEqualTo(csrf);
        assertThat(postForm(client, "/logout", Map.of("_csrf", newCsrf)).statusCode()).isEqualTo(303);
        assertThat(me(client).getBoolean("signed_in")).isFalse();
    }

    @Test
    void stateChangesWithoutTheCsrfTokenAreRefused() throws Exception {
        HttpClient client = browser();
        get(client, "/login");
        HttpResponse<String> forged = postForm(client, "/login",
                Map.of("name", "rita", "password", "correct horse battery"));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(new JsonObject(forged.body()).getString("error")).contains("CSRF");
        HttpResponse<String> noSession = postForm(browser(), "/logout", Map.of("_csrf", "anything"));
        assertThat(noSession.statusCode()).isEqualTo(403);
    }

    @Test
    void signInAttemptsAreRateLimitedPerAddress(@TempDir Path otherHome) throws Exception {
        KaizenServer limited = KaizenServer.start(KaizenConfig.defaults(otherHome)
                        .with(Map.of(ConfigKey.LIMITS_LOGINS_PER_MINUTE, "3")))
                .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        try {
            HttpClient client = browser();
            String base = "http://127.0.0.1:" + limited.port();
            String csrf = csrfOf(client.send(HttpRequest.newBuilder(URI.create(base + "/login")).build(),
                    HttpResponse.BodyHandlers.ofString()));
            int refused = 0;
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("_csrf=" + csrf + "&name=nobody&password=guess" + i))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 429) {
                    refused++;
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                    // a program that did not ask for HTML: JSON
                    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
                    assertThat(new JsonObject(r.body()).getString("error")).startsWith("too many sign-in attempts");
                } else {
                    assertThat(r.statusCode()).isEqualTo(401);
                }
            }
            assertThat(refused).isEqualTo(3);
            // a browser's form: the sign-in page again, with the message as an alert and the name kept
            HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "text/html")
                    .POST(HttpRequest.BodyPublishers.ofString("_csrf=" + csrf + "&name=nobody&password=again"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(429);
            assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(page.headers().firstValue("Retry-After")).isPresent();
            assertThat(page.body()).contains("role=\"alert\"").contains("Too many sign-in attempts; try again in")
                    .contains("value=\"nobody\"");
        } finally {
            limited.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aGetThatClaimsAFormBodyIsServedNormally() throws Exception {
        HttpResponse<String> r = browser().send(HttpRequest.newBuilder(uri("/api/me"))
                .header("Content-Type", "multipart/form-data; boundary=x").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void malformedAndOversizeBodiesGetA4xx() throws Exception {
        HttpClient client = browser();
        String csrf = csrfOf(get(client, "/login"));
        HttpResponse<String> huge = client.send(HttpRequest.newBuilder(uri("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("_csrf=" + csrf + "&name=" + "x".repeat(400_000)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(huge.statusCode()).isEqualTo(413);
        HttpResponse<String> badEncoding = client.send(HttpRequest.newBuilder(uri("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[]{'_', 'c', '=', (byte) 0xff, (byte) 0xfe}))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(badEncoding.statusCode()).isBetween(400, 499);
    }

    @Test
    void onlyLocalPathsAreFollowedAfterSignIn() {
        assertThat(AccountRoutes.safeNext("/ops/cycles?x=1")).isEqualTo("/ops/cycles?x=1");
        assertThat(AccountRoutes.safeNext("https://evil.example/")).isEqualTo("/");
        assertThat(AccountRoutes.safeNext("//evil.example/")).isEqualTo("/");
        assertThat(AccountRoutes.safeNext("/\\evil.example")).isEqualTo("/");
        assertThat(AccountRoutes.safeNext(null)).isEqualTo("/");
    }
}
