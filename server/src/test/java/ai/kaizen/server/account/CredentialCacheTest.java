package ai.kaizen.server.account;

import ai.kaizen.db.account.Role;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions and API keys are cached (here for ten minutes, so that only forgetting can explain a change), yet
 * signing out, deleting a session elsewhere, revoking a key and disabling a user take access away at once.
 */
class CredentialCacheTest {

    /** Well under the cache time: a database notice, not expiry, must have done it. */
    private static final Duration AT_ONCE = Duration.ofSeconds(3);
    private static final Pattern SESSION_COOKIE = Pattern.compile("kaizen_session=([^;]+)");

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, "",
            ConfigKey.SESSION_CACHE_SECONDS, "600"));

    static final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() throws Exception {
        Accounts accounts = TestClient.accounts(kaizen.server());
        for (String name : new String[]{"olga", "otto", "oona"}) {
            accounts.createUser(name, Role.OPERATOR, "a long password 1").toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
        }
    }

    private static HttpResponse<String> request(String method, String path, String cookie, String form)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + kaizen.port() + path));
        if (cookie != null) {
            b.header("Cookie", "kaizen_session=" + cookie);
        }
        if (form != null) {
            b.header("Content-Type", "application/x-www-form-urlencoded");
        }
        return http.send(b.method(method, form == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cookieOf(HttpResponse<String> response) {
        return response.headers().allValues("Set-Cookie").stream().map(SESSION_COOKIE::matcher)
                .filter(Matcher::find).map(m -> m.group(1)).filter(v -> !v.isEmpty()).findFirst()
                .orElseThrow(() -> new AssertionError("no session cookie in " + response.headers()));
    }

    private static String csrf(String cookie, String page) throws Exception {
        String html = request("GET", page, cookie, null).body();
        Matcher m = Pattern.compile("name=\"(?:_csrf|csrf-token)\" (?:value|content)=\"([^\"]+)\"").matcher(html);
        if (!m.find()) {
            throw new AssertionError("no CSRF token on " + page);
        }
        return m.group(1);
    }

    /** Signs in through the form; the session cookie. */
    private static String signIn(String name) throws Exception {
        HttpResponse<String> login = request("GET", "/login", null, null);
        String anonymous = cookieOf(login);
        String token = csrf(anonymous, "/login");
        HttpResponse<String> signedIn = request("POST", "/login", anonymous, "_csrf=" + token + "&name=" + name
                + "&password=" + URLEncoder.encode("a long password 1", StandardCharsets.UTF_8));
        assertThat(signedIn.statusCode()).isEqualTo(303);
        return cookieOf(signedIn);
    }

    private static JsonObject me(String cookie) throws Exception {
        return new JsonObject(request("GET", "/api/me", cookie, null).body());
    }

    private static void sql(String statement) throws Exception {
        kaizen.sessions().withTransaction(s -> s.createNativeQuery(statement).executeUpdate())
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static <T> void eventually(Duration within, java.util.concurrent.Callable<T> probe, Predicate<T> done)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        T last = probe.call();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still " + last + " after " + within);
            }
            Thread.sleep(25);
            last = probe.call();
        }
    }

    @Test
    void signingOutEndsTheSessionForEveryCopyOfItsCookie() throws Exception {
        String cookie = signIn("olga");
        assertThat(me(cookie).getBoolean("signed_in")).isTrue();
        assertThat(me(cookie).getBoolean("signed_in")).isTrue(); // now served from the cache
        String token = csrf(cookie, "/");
        assertThat(request("POST", "/logout", cookie, "_csrf=" + token).statusCode()).isEqualTo(303);
        // a copy of the cookie (another tab, a thief) is signed out too, at once
        assertThat(me(cookie).getBoolean("signed_in")).isFalse();
    }

    @Test
    void aSessionEndedElsewhereEndsHereAtOnce() throws Exception {
        String cookie = signIn("otto");
        assertThat(me(cookie).getBoolean("signed_in")).isTrue();
        // as another instance's sign-out, or an operator's SQL, would
        sql("DELETE FROM web_session WHERE user_id = (SELECT id FROM app_user WHERE name = 'otto')");
        eventually(AT_ONCE, () -> me(cookie).getBoolean("signed_in"), signedIn -> !signedIn);
    }

    @Test
    void disablingAUserTakesTheirRoleAwayAtOnce() throws Exception {
        String cookie = signIn("oona");
        assertThat(me(cookie).getString("role")).isEqualTo("operator");
        sql("UPDATE app_user SET disabled_at = now() WHERE name = 'oona'");
        eventually(AT_ONCE, () -> me(cookie), body -> !body.getBoolean("signed_in")
                && body.getString("role").equals("end-user"));
    }

    @Test
    void aRevokedKeyIsRefusedAtOnce() throws Exception {
        Accounts.NewApiKey key = TestClient.accounts(kaizen.server()).createApiKey("to revoke").toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        java.util.concurrent.Callable<Integer> models = () -> http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + kaizen.port() + "/v1/models"))
                .header("Authorization", "Bearer " + key.key()).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
        assertThat(models.call()).isEqualTo(200);
        assertThat(models.call()).isEqualTo(200); // cached
        new ai.kaizen.db.account.ApiKeyRepository(kaizen.sessions()).revoke(key.record().id())
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        eventually(AT_ONCE, models, status -> status == 401);
    }

    @Test
    void whatWasForgottenMeanwhileIsNotPutBackByALookupThatStartedBefore() {
        CredentialCache cache = new CredentialCache(Duration.ofMinutes(10));
        long generation = cache.generation();
        cache.forget("key:abc"); // e.g. the key is revoked while its lookup is in flight
        cache.putApiKey("abc", 7, generation);
        assertThat(cache.apiKey("abc")).isEmpty();
        cache.putApiKey("abc", 7, cache.generation());
        assertThat(cache.apiKey("abc")).contains(7L);
        cache.forget("user:3");
        assertThat(cache.apiKey("abc")).contains(7L);
        cache.forgetAll();
        assertThat(cache.apiKey("abc")).isEmpty();
    }
}
