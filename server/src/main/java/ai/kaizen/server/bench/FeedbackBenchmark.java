package ai.kaizen.server.bench;

import ai.kaizen.db.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Feedback writes over real HTTP: N concurrent API clients, each posting {@code /v1/feedback} about answers of its
 * own (one after the other, as a client that waits for each acknowledgement), for a fixed time. Reports
 * acknowledged writes per second and their latency, then checks in the database that what was acknowledged is
 * what is stored.
 *
 * <p>Kinds of write: {@code rating} (stars and a comment naming the write, on one of the client's answers in turn:
 * every answer must end holding its last acknowledged write, in one row), {@code choice} (a pairwise choice between
 * two of the client's answers: every acknowledged write is a new row, so the rows added must equal the writes).
 */
public final class FeedbackBenchmark {

    /** What to write. */
    public enum Kind { rating, choice }

    /**
     * @param base              the server, e.g. {@code http://127.0.0.1:8080}
     * @param apiKey            a key of that server
     * @param database          its database, to check what was stored (none: the check is skipped)
     * @param answersPerClient  answers each client makes first and then writes about
     */
    public record Settings(String base, String apiKey, Optional<DatabaseUrl> database, Kind kind,
                           int answersPerClient, double seconds, boolean idempotencyKeys) {
    }

    private final Settings settings;

    public FeedbackBenchmark(Settings settings) {
        this.settings = settings;
    }

    /** One measured run per client count, in order; one JSON object with a result per run. */
    public JsonObject run(List<Integer> clientCounts) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            URI uri = URI.create(settings.base());
            int most = Collections.max(clientCounts);
            WebClient http = WebClient.create(vertx, new WebClientOptions()
                    .setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort() < 0 ? 80 : uri.getPort())
                    .setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true).setMaxPoolSize(most)
                    .setPipelining(false));
            List<List<String>> answers = await(answers(http, most * settings.answersPerClient()));
            JsonArray runs = new JsonArray();
            for (int clients : clientCounts) {
                runs.add(measure(http, answers.subList(0, clients)));
            }
            return new JsonObject().put("kind", settings.kind().name()).put("seconds", settings.seconds())
                    .put("answers_per_client", settings.answersPerClient())
                    .put("idempotency_keys", settings.idempotencyKeys())
                    .put("cores", Runtime.getRuntime().availableProcessors()).put("runs", runs);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
    }

    /** {@code total} one-token answers to the same prompt, grouped per client; eight made at a time. */
    private Future<List<List<String>>> answers(WebClient http, int total) {
        List<String> made = Collections.synchronizedList(new ArrayList<>());
        List<Future<Void>> workers = new ArrayList<>();
        int[] next = {0};
        for (int w = 0; w < 8; w++) {
            workers.add(answerLoop(http, total, next, made));
        }
        return Future.all(workers).map(done -> {
            List<List<String>> perClient = new ArrayList<>();
            for (int i = 0; i + settings.answersPerClient() <= made.size(); i += settings.answersPerClient()) {
                perClient.add(List.copyOf(made.subList(i, i + settings.answersPerClient())));
            }
            return perClient;
        });
    }

    private Future<Void> answerLoop(WebClient http, int total, int[] next, List<String> made) {
        if (next[0] >= total) {
            return Future.succeededFuture();
        }
        next[0]++;
        JsonObject body = new JsonObject().put("model", "kaizen").put("max_tokens", 1)
                .put("messages", new JsonArray().add(new JsonObject().put("role", "user")
                        .put("content", "I want to return my order, how do I do that?")));
        return http.post("/v1/chat/completions").putHeader("Authorization", "Bearer " + settings.apiKey())
                .sendJsonObject(body)
                .compose(r -> {
                    if (r.statusCode() == 429 || r.statusCode() == 503) {
                        next[0]--;
                        return sleep(1000);
                    }
                    if (r.statusCode() != 200) {
                        return Future.failedFuture(new IllegalStateException("a completion failed with "
                                + r.statusCode() + ": " + r.bodyAsString()
                                + " (raise the server's limits.messages-per-minute and limits.requests-per-minute)"));
                    }
                    made.add(r.bodyAsJsonObject().getString("id"));
                    return Future.succeededFuture();
                })
                .compose(v -> answerLoop(http, total, next, made));
    }

    private static Future<Void> sleep(long ms) {
        Promise<Void> slept = Promise.promise();
        Vertx.currentContext().owner().setTimer(ms, id -> slept.complete());
        return slept.future();
    }

    /** One client's writes: latencies in ms, failures, and the last acknowledged write per answer. */
    private static final class ClientRun {
        final List<String> answers;
        final List<Double> latencies = new ArrayList<>();
        final Map<String, String> lastComment = new HashMap<>();
        int failures;
        String firstFailure;

        ClientRun(List<String> answers) {
            this.answers = answers;
        }
    }

    private JsonObject measure(WebClient http, List<List<String>> answers) throws Exception {
        long before = settings.database().isPresent() ? storedChoices() : 0;
        Optional<long[]> workBefore = databaseWork();
        List<ClientRun> runs = new ArrayList<>();
        answers.forEach(a -> runs.add(new ClientRun(a)));
        long start = System.nanoTime();
        long deadline = start + (long) (settings.seconds() * 1e9);
        List<Future<Void>> loops = new ArrayList<>();
        for (int c = 0; c < runs.size(); c++) {
            loops.add(writeLoop(http, runs.get(c), c, 0, deadline));
        }
        await(Future.join(loops).map(v -> (Void) null).recover(e -> Future.succeededFuture()));
        double elapsed = (System.nanoTime() - start) / 1e9;
        List<Double> latencies = new ArrayList<>();
        int failures = 0;
        String firstFailure = null;
        for (ClientRun run : runs) {
            latencies.addAll(run.latencies);
            failures += run.failures;
            firstFailure = firstFailure == null ? run.firstFailure : firstFailure;
        }
        JsonObject result = new JsonObject()
                .put("clients", runs.size())
                .put("acknowledged", latencies.size())
                .put("failed", failures)
                .put("writes_per_s", Math.round(latencies.size() / elapsed * 10) / 10.0)
                .put("latency_ms_p50", ChatBenchmark.percentile(latencies, 50))
                .put("latency_ms_p99", ChatBenchmark.percentile(latencies, 99))
                .put("latency_ms_max", latencies.isEmpty() ? 0 : Collections.max(latencies));
        if (firstFailure != null) {
            result.put("first_failure", firstFailure);
        }
        Optional<long[]> workAfter = databaseWork();
        if (workBefore.isPresent() && workAfter.isPresent() && !latencies.isEmpty()) {
            // Counted over the whole database, so the server's background work (a few statements a second) is in
            // them too; per write they still show what a write costs the database, whatever the machine's load.
            JsonObject perWrite = new JsonObject();
            String[] names = {"commits", "rows_read", "rows_inserted", "rows_updated"};
            for (int i = 0; i < names.length; i++) {
                perWrite.put(names[i], Math.round((workAfter.get()[i] - workBefore.get()[i])
                        / (double) latencies.size() * 100) / 100.0);
            }
            result.put("database_work_per_write", perWrite);
        }
        result.put("stored", settings.database().isEmpty()
                ? new JsonObject().put("checked", false).put("why", "no --database-url")
                : check(runs, latencies.size(), before));
        return result;
    }

    private Future<Void> writeLoop(WebClient http, ClientRun run, int client, int write, long deadline) {
        if (System.nanoTime() >= deadline) {
            return Future.succeededFuture();
        }
        String answer = run.answers.get(write % run.answers.size());
        String comment = "c" + client + "-w" + write;
        JsonObject body = new JsonObject().put("message_id", answer);
        if (settings.kind() == Kind.rating) {
            body.put("stars", 1 + write % 5).put("comment", comment);
        } else {
            body.put("compared_with", run.answers.get((write + 1) % run.answers.size()))
                    .put("choice", write % 2 == 0 ? "a" : "b");
        }
        var request = http.post("/v1/feedback").putHeader("Authorization", "Bearer " + settings.apiKey());
        if (settings.idempotencyKeys()) {
            request.putHeader("Idempotency-Key", UUID.randomUUID().toString());
        }
        long sent = System.nanoTime();
        return request.sendBuffer(Buffer.buffer(body.encode()))
                .<Void>transform(done -> {
                    HttpResponse<Buffer> r = done.succeeded() ? done.result() : null;
                    if (r != null && r.statusCode() == 200) {
                        run.latencies.add((System.nanoTime() - sent) / 1e6);
                        run.lastComment.put(answer, comment);
                    } else {
                        run.failures++;
                        if (run.firstFailure == null) {
                            run.firstFailure = r == null ? String.valueOf(done.cause())
                                    : r.statusCode() + " " + r.bodyAsString();
                        }
                    }
                    return Future.succeededFuture();
                })
                .compose(v -> writeLoop(http, run, client, write + 1, deadline));
    }

    private Connection connect() throws SQLException {
        DatabaseUrl url = settings.database().orElseThrow();
        return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
    }

    /**
     * The database's commits and rows read, inserted and updated so far (PostgreSQL's statistics, which a backend
     * reports up to a second after its transactions: read after a pause).
     */
    private Optional<long[]> databaseWork() throws Exception {
        if (settings.database().isEmpty()) {
            return Optional.empty();
        }
        Thread.sleep(1500);
        try (Connection c = connect(); ResultSet r = c.createStatement().executeQuery(
                "SELECT xact_commit, tup_fetched, tup_inserted, tup_updated FROM pg_stat_database "
                        + "WHERE datname = current_database()")) {
            r.next();
            return Optional.of(new long[]{r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4)});
        }
    }

    private long storedChoices() throws SQLException {
        try (Connection c = connect(); ResultSet r = c.createStatement()
                .executeQuery("SELECT count(*) FROM pairwise_comparison WHERE trigger = 'api'")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** Compares what was acknowledged with the rows in the database. */
    private JsonObject check(List<ClientRun> runs, int acknowledged, long choicesBefore) throws SQLException {
        JsonObject check = new JsonObject().put("checked", true);
        if (settings.kind() == Kind.choice) {
            long added = storedChoices() - choicesBefore;
            return check.put("rows_added", added).put("acknowledged", acknowledged)
                    .put("ok", added == acknowledged);
        }
        int answers = 0;
        int rows = 0;
        int matching = 0;
        try (Connection c = connect(); PreparedStatement q = c.prepareStatement(
                "SELECT comment FROM rating WHERE message_id = ?")) {
            for (ClientRun run : runs) {
                for (Map.Entry<String, String> last : run.lastComment.entrySet()) {
                    answers++;
                    q.setObject(1, UUID.fromString(last.getKey().substring("chatcmpl-".length())));
                    try (ResultSet r = q.executeQuery()) {
                        while (r.next()) {
                            rows++;
                            matching += last.getValue().equals(r.getString(1)) ? 1 : 0;
                        }
                    }
                }
            }
        }
        return check.put("answers_rated", answers).put("rating_rows", rows)
                .put("holding_last_acknowledged_write", matching)
                .put("ok", rows == answers && matching == answers);
    }
}
