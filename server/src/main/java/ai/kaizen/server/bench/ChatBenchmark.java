package ai.kaizen.server.bench;

import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures the chat over real HTTP on loopback against a server started in this process (fresh home, embedded
 * database): time to first token and tokens per second per stream with 1 and N concurrent chats, then feedback
 * writes per second and their latency with many concurrent raters. Prints one JSON object.
 */
public final class ChatBenchmark {

    private static final Pattern CSRF = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"");

    private final Path modelDir;
    private final int maxNewTokens;
    private final int messagesPerChat;

    public ChatBenchmark(Path modelDir, int maxNewTokens, int messagesPerChat) {
        this.modelDir = modelDir;
        this.maxNewTokens = maxNewTokens;
        this.messagesPerChat = messagesPerChat;
    }

    public JsonObject run(List<Integer> concurrencies, int feedbackClients, int feedbackWritesPerClient)
            throws Exception {
        Path home = Files.createTempDirectory("kaizen-bench");
        KaizenServer server = KaizenServer.start(KaizenConfig.defaults(home).with(Map.of(
                        ConfigKey.MODEL_DIR, modelDir.toString(),
                        ConfigKey.CHAT_MAX_NEW_TOKENS, String.valueOf(maxNewTokens),
                        ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
                        ConfigKey.INFERENCE_WORKERS, String.valueOf(Math.max(1, Runtime.getRuntime()
                                .availableProcessors())),
                        ConfigKey.INFERENCE_QUEUE, "1000",
                        ConfigKey.LIMITS_REQUESTS_PER_MINUTE, "1000000",
                        ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "100000",
                        ConfigKey.LOG_LEVEL, "WARN")))
                .toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
        try {
            String base = "http://127.0.0.1:" + server.port();
            JsonObject result = new JsonObject()
                    .put("model", server.model().map(m -> m.version()).orElse("none"))
                    .put("max_new_tokens", maxNewTokens)
                    .put("cores", Runtime.getRuntime().availableProcessors());
            // One untimed chat warms up the JIT, the pool and the model.
            new Session(base).chat(1);
            JsonArray chats = new JsonArray();
            List<String> answers = Collections.synchronizedList(new ArrayList<>());
            for (int concurrency : concurrencies) {
                chats.add(chats(base, concurrency, answers));
            }
            result.put("chat", chats);
            result.put("feedback", feedback(base, feedbackClients, feedbackWritesPerClient));
            return result;
        } finally {
            server.stop().toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
        }
    }

    private JsonObject chats(String base, int concurrency, List<String> answers) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<List<double[]>>> runs = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            runs.add(pool.submit(() -> {
                Session s = new Session(base);
                List<double[]> measured = new ArrayList<>();
                for (int m = 0; m < messagesPerChat; m++) {
                    measured.add(s.chat(m));
                }
                answers.addAll(s.answers);
                return measured;
            }));
        }
        List<Double> ttft = new ArrayList<>();
        List<Double> rate = new ArrayList<>();
        long tokens = 0;
        for (Future<List<double[]>> run : runs) {
            for (double[] m : run.get()) {
                ttft.add(m[0]);
                if (m[1] > 0) {
                    rate.add(m[1]);
                }
                tokens += (long) m[2];
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return new JsonObject()
                .put("concurrency", concurrency)
                .put("streams", ttft.size())
                .put("ttft_ms_p50", percentile(ttft, 50))
                .put("ttft_ms_p95", percentile(ttft, 95))
                .put("tokens_per_s_per_stream_p50", percentile(rate, 50))
                .put("aggregate_tokens_per_s", tokens / seconds);
    }

    private JsonObject feedback(String base, int clients, int writesPerClient) throws Exception {
        // Each rater needs answers of its own: one short chat per client, then rating them over and over.
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Session s = new Session(base);
            s.chat(0);
            sessions.add(s);
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<List<Double>>> runs = new ArrayList<>();
        long start = System.nanoTime();
        for (Session s : sessions) {
            runs.add(pool.submit(() -> {
                List<Double> latencies = new ArrayList<>();
                for (int w = 0; w < writesPerClient; w++) {
                    latencies.add(s.rate(s.answers.get(0), 1 + w % 5));
                }
                return latencies;
            }));
        }
        List<Double> latencies = new ArrayList<>();
        for (Future<List<Double>> run : runs) {
            latencies.addAll(run.get());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return new JsonObject()
                .put("clients", clients)
                .put("writes", latencies.size())
                .put("writes_per_s", latencies.size() / seconds)
                .put("latency_ms_p50", percentile(latencies, 50))
                .put("latency_ms_p99", percentile(latencies, 99));
    }

    static double percentile(List<Double> values, int p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return Math.round(sorted.get(Math.max(0, Math.min(index, sorted.size() - 1))) * 100) / 100.0;
    }

    /** One browser-like client: a session, a CSRF token, one conversation. */
    private static final class Session {
        private final String base;
        private final HttpClient http = HttpClient.newBuilder()
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL)).build();
        private final String csrf;
        private final String conversation;
        final List<String> answers = new ArrayList<>();

        Session(String base) throws Exception {
            this.base = base;
            Matcher m = CSRF.matcher(http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (!m.find()) {
                throw new IllegalStateException("no CSRF token on the chat page");
            }
            csrf = m.group(1);
            conversation = new JsonObject(post("/api/conversations", "{}").body()).getString("id");
        }

        private HttpResponse<String> post(String path, String body) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("X-CSRF-Token", csrf)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }

        /** Sends a message and reads its stream: {time to first token ms, tokens/s after the first, tokens}. */
        double[] chat(int turn) throws Exception {
            long sent = System.nanoTime();
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(
                            URI.create(base + "/api/conversations/" + conversation + "/messages"))
                    .header("X-CSRF-Token", csrf).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
                            .put("content", turn % 2 == 0 ? "I want to return my order, how do I do that?"
                                    : "And how long does the refund take?").encode()))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("chat failed with " + response.statusCode());
            }
            long first = 0;
            long last = 0;
            int tokens = 0;
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                String event = null;
                for (String line; (line = reader.readLine()) != null; ) {
                    if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ") && event != null) {
                        long now = System.nanoTime();
                        if (event.equals("token")) {
                            if (first == 0) {
                                first = now;
                            }
                            last = now;
                        } else if (event.equals("done")) {
                            JsonObject done = new JsonObject(line.substring(6));
                            tokens = done.getInteger("completion_tokens");
                            answers.add(done.getString("message_id"));
                        } else if (event.equals("error")) {
                            throw new IOException("stream error: " + line);
                        }
                    }
                }
            }
            double ttft = first == 0 ? 0 : (first - sent) / 1e6;
            double rate = tokens > 1 && last > first ? (tokens - 1) / ((last - first) / 1e9) : 0;
            return new double[]{ttft, rate, tokens};
        }

        double rate(String answer, int stars) throws Exception {
            long start = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/messages/" + answer
                            + "/rating")).header("X-CSRF-Token", csrf).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"stars\":" + stars + "}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("rating failed with " + r.statusCode() + ": " + r.body());
            }
            return (System.nanoTime() - start) / 1e6;
        }
    }
}
