package ai.kaizen.server.http;

import ai.kaizen.db.account.Role;
import ai.kaizen.model.Fixtures;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeded fuzzer over every JSON route the router has (under {@code /api/} and {@code /v1/}), as each kind of
 * caller: malformed JSON, wrong types, huge and negative numbers, NUL and lone surrogates, invalid UTF-8, missing
 * fields, wrong content types, odd methods, long strings and junk ids. Every answer must be a 4xx (or a 2xx): any
 * 5xx fails the test, printing the seed and the request. {@code -Dfuzz.seed=N -Dfuzz.requests=N} replay or widen a run.
 */
class RequestFuzzIT {

    private static final long SEED = Long.getLong("fuzz.seed", 16L);
    private static final int REQUESTS = Integer.getInteger("fuzz.requests", 3000);
    private static final String PASSWORD = "correct horse battery";
    private static final List<String> FIELDS = List.of("content", "message_id", "compared_with", "choice", "stars",
            "thumbs", "reason", "reasons", "comment", "model", "messages", "role", "name", "stream", "max_tokens",
            "temperature", "top_p", "top_k", "n", "stop", "seed", "user", "request_id", "system_prompt", "text",
            "preset", "version_id", "cron", "new_preferences", "auto_promote", "share", "ranking", "labels", "ideal",
            "draft", "answer", "answers", "verdict", "winner", "description", "actions", "subflows", "extra",
            "gate", "human_evaluation", "value", "id", "password", "type", "status", "prompts", "subtext");
    private static final List<String> ODD_METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
            "HEAD", "TRACE", "PROPFIND", "BREW");
    private static final List<String> CONTENT_TYPES = List.of("application/json", "application/json",
            "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz", "application/json; charset=latin1", "application/octet-stream", "");
    private static final Pattern PARAM = Pattern.compile(":([A-Za-z]+)");

    @TempDir
    static Path home;

    /** One kind of caller: its client (cookies, CSRF token) and the headers it adds. */
    private record Caller(String name, TestClient client, Map<String, String> headers) {
    }

    /** One generated request, printable for a failure. */
    private record Attempt(int index, String caller, String method, String path, String contentType, byte[] body) {
        @Override
        public String toString() {
            String text = new String(body, StandardCharsets.UTF_8);
            return "#" + index + " as " + caller + ": " + method + " " + path + " [" + contentType + "] "
                    + (text.length() > 400 ? text.substring(0, 400) + "... (" + body.length + " bytes)" : text);
        }
    }

    @Test
    void noMalformedRequestGetsA5xx() throws Exception {
        KaizenServer server = KaizenServer.start(KaizenConfig.defaults(home).with(Map.of(
                        ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
                        ConfigKey.CHAT_MAX_NEW_TOKENS, "1",
                        ConfigKey.REVIEW_BUFFER, "0",
                        ConfigKey.LIMITS_REQUESTS_PER_MINUTE, "1000000",
                        ConfigKey.LIMITS_LOGINS_PER_MINUTE, "10000",
                        ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "100000")))
                .toCompletionStage().toCompletableFuture().get(600, TimeUnit.SECONDS);
        try {
            var accounts = TestClient.accounts(server);
            accounts.createUser("rita", Role.REVIEWER, PASSWORD).toCompletableFuture().get(30, TimeUnit.SECONDS);
            accounts.createUser("olga", Role.OPERATOR, PASSWORD).toCompletableFuture().get(30, TimeUnit.SECONDS);
            String key = accounts.createApiKey("fuzz").toCompletableFuture().get(30, TimeUnit.SECONDS).key();
            TestClient endUser = new TestClient(server.port()).openChat();
            List<Caller> callers = List.of(
                    new Caller("anonymous", new TestClient(server.port()), Map.of()),
                    new Caller("end user", endUser, Map.of()),
                    new Caller("reviewer", TestClient.signedIn(server.port(), "rita", PASSWORD), Map.of()),
                    new Caller("operator", TestClient.signedIn(server.port(), "olga", PASSWORD), Map.of()),
                    new Caller("API key", new TestClient(server.port()), Map.of("Authorization", "Bearer " + key)));

            // real ids, so that some requests get past the lookups to the checks behind them
            List<String> ids = new ArrayList<>(List.of(UUID.randomUUID().toString(), "0", "-1", "1",
                    "99999999999999999999", "abc", "%00", "%F0%9F%98%80", "x".repeat(3000), "..%2F..%2Fetc",
                    "chatcmpl-" + UUID.randomUUID()));
            String conversation = endUser.json("POST", "/api/conversations", new JsonObject()).getString("id");
            ids.add(conversation);
            TestClient.Stream stream = endUser.stream("/api/conversations/" + conversation + "/messages",
                    new JsonObject().put("content", "Where is my order?"));
            Matcher uuids = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                    .matcher(stream.body());
            while (uuids.find()) {
                ids.add(uuids.group());
            }

            List<Route> routes = server.routes().stream()
                    .filter(r -> r.getPath() != null && r.methods() != null && !r.methods().isEmpty())
                    .filter(r -> r.getPath().startsWith("/api/") || r.getPath().startsWith("/v1/"))
                    .toList();
            assertThat(routes).hasSizeGreaterThan(40);

            Random random = new Random(SEED);
            List<String> failures = new ArrayList<>();
            Map<Integer, Integer> statuses = new TreeMap<>();
            long start = System.nanoTime();
            for (int i = 0; i < REQUESTS; i++) {
                Route route = routes.get(random.nextInt(routes.size()));
                Caller caller = callers.get(random.nextInt(callers.size()));
                List<HttpMethod> methods = new ArrayList<>(route.methods());
                String method = random.nextInt(10) < 8 ? methods.get(random.nextInt(methods.size())).name()
                        : ODD_METHODS.get(random.nextInt(ODD_METHODS.size()));
                String path = fill(route.getPath(), ids, random);
                if (random.nextInt(8) == 0) {
                    path += "?" + pick(random, List.of("limit=-1", "limit=99999999999", "offset=abc", "before=%00",
                            "limit=", "q=" + "a".repeat(2000), "version=x&version=y", "stream=maybe"));
                }
                String contentType = CONTENT_TYPES.get(random.nextInt(CONTENT_TYPES.size()));
                byte[] body = body(random, ids);
                Attempt attempt = new Attempt(i, caller.name(), method, path, contentType, body);
                Map<String, String> headers = new LinkedHashMap<>(caller.headers());
                if (!contentType.isEmpty()) {
                    headers.put("Content-Type", contentType);
                }
                HttpResponse<String> response;
                try {
                    response = caller.client().send(method, path, headers,
                            HttpRequest.BodyPublishers.ofByteArray(body));
                } catch (java.io.IOException e) {
                    failures.add(attempt + " -> no answer: " + e);
                    continue;
                }
                statuses.merge(response.statusCode(), 1, Integer::sum);
                if (response.statusCode() >= 500) {
                    failures.add(attempt + " -> " + response.statusCode() + " " + response.body());
                }
            }
            System.out.printf("RequestFuzzIT: seed %d, %d requests over %d routes as %d callers in %.1f s; statuses "
                            + "%s; %d failed%n", SEED, REQUESTS, routes.size(), callers.size(),
                    (System.nanoTime() - start) / 1e9, statuses, failures.size());
            assertThat(failures).as("5xx answers (seed " + SEED + ")").isEmpty();
        } finally {
            server.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    private static String fill(String pattern, List<String> ids, Random random) {
        Matcher m = PARAM.matcher(pattern);
        StringBuilder path = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(path, Matcher.quoteReplacement(pick(random, ids)));
        }
        m.appendTail(path);
        return path.toString();
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private static byte[] body(Random random, List<String> ids) {
        int kind = random.nextInt(100);
        if (kind < 55) {
            return object(random, ids, 0).getBytes(StandardCharsets.UTF_8);
        }
        if (kind < 62) {
            String whole = object(random, ids, 0);
            return whole.substring(0, random.nextInt(Math.max(1, whole.length()))).getBytes(StandardCharsets.UTF_8);
        }
        if (kind < 68) {
            return new byte[0];
        }
        if (kind < 74) {
            return value(random, ids, 1).getBytes(StandardCharsets.UTF_8); // an array, a string, a number...
        }
        if (kind < 80) {
            return pick(random, List.of("{", "}", "{\"a\":}", "{'content': 'x'}", "{\"content\": \"x\",}", "null",
                    "NaN", "{\"stars\": NaN}", "{\"stars\": Infinity}", "{\"a\":1}{\"b\":2}", "\uFEFF{}",
                    "content=hello&stars=5", "<xml/>", "{\"content\":\"\\x00\"}", "{\"content\":\"\\ud800\"}",
                    "{\"content\":\"\\udfff\\ud800\"}", "{\"\\u0000\":1}", "{\"content\":\"a\u0000b\"}"))
                    .getBytes(StandardCharsets.UTF_8);
        }
        if (kind < 85) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(); // not UTF-8
            bytes.writeBytes("{\"content\":\"".getBytes(StandardCharsets.UTF_8));
            bytes.writeBytes(new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0xC3, (byte) 0x28,
                    (byte) 0xFF, (byte) 0xC0, (byte) 0xAF});
            bytes.writeBytes("\"}".getBytes(StandardCharsets.UTF_8));
            return bytes.toByteArray();
        }
        if (kind < 90) {
            int depth = 500 + random.nextInt(5000);
            return ("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8);
        }
        if (kind < 92) {
            return ("{\"content\":\"" + "x".repeat(300_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        }
        byte[] noise = new byte[random.nextInt(2000)];
        random.nextBytes(noise);
        return noise;
    }

    private static String object(Random random, List<String> ids, int depth) {
        int fields = random.nextInt(6);
        StringBuilder json = new StringBuilder("{");
        for (int f = 0; f < fields; f++) {
            if (f > 0) {
                json.append(',');
            }
            String name = random.nextInt(20) == 0 ? pick(random, List.of("", "\u0000", "\ud800", "x".repeat(500)))
                    : pick(random, FIELDS);
            json.append(string(name)).append(':').append(value(random, ids, depth + 1));
        }
        return json.append('}').toString();
    }

    private static String value(Random random, List<String> ids, int depth) {
        int kind = random.nextInt(depth > 3 ? 9 : 12);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> random.nextBoolean() ? "true" : "false";
            case 2 -> pick(random, List.of("0", "-1", "1", "2", "3", "5", "6", "-0", "2147483648", "-2147483649",
                    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e308", "-1e308", "1e-400",
                    "3.7", "0.5", "1E400", "123456789012345678901234567890"));
            case 3, 4 -> string(pick(random, List.of("", "a", "up", "down", "a", "b", "tie", "both_bad", "user",
                    "assistant", "system", "kaizen", "reviewer", "operator", "rude", "incorrect", "* * * * *",
                    "0 3 * * 1", "61 25 * * *", "true", "5", "-1", "\u0000", "a\u0000b", "\ud800", "\udfff",
                    "\ud83d\ude00", "\u202e", "<script>alert(1)</script>", "'; DROP TABLE rating; --",
                    "x".repeat(5000), "é".repeat(3000), " ", "\n\t")));
            case 5, 6 -> string(pick(random, ids));
            case 7 -> string(UUID.randomUUID().toString());
            case 8 -> "\"" + "\\ud800".repeat(1 + random.nextInt(3)) + "\"";
            case 9 -> {
                StringBuilder array = new StringBuilder("[");
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    array.append(i > 0 ? "," : "").append(value(random, ids, depth + 1));
                }
                yield array.append(']').toString();
            }
            default -> object(random, ids, depth);
        };
    }

    /** A JSON string whose non-ASCII and control characters are escaped, so lone surrogates can be written. */
    private static String string(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7E) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"').toString();
    }
}
