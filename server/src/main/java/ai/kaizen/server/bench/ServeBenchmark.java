package ai.kaizen.server.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Drives the OpenAI-compatible API ({@code POST /v1/chat/completions}, {@code stream: true}) of one or more running
 * servers with N concurrent streaming clients, and reports per server and concurrency the time to first token (p50,
 * p95) and the aggregate tokens per second (completion tokens of all streams over the wall time of the run).
 * Servers are measured in turn within each round, so that a noisy machine weighs on all of them alike; the report
 * gives each figure's median over the rounds and the ratios between the first server and the others.
 */
public final class ServeBenchmark {

    /**
     * A server to drive: its base address ({@code http://host:port}), an API key (none is sent when null), and its
     * name in the report.
     */
    public record Target(String name, String baseUrl, String apiKey) {
    }

    /**
     * @param concurrency       concurrent streaming clients, one run each per round
     * @param requestsPerClient requests each client sends, one after another
     * @param maxTokens         {@code max_tokens} of each request
     * @param rounds            how many times every (server, concurrency) is measured
     */
    public record Settings(List<Integer> concurrency, int requestsPerClient, int maxTokens, int rounds) {
    }

    /** One run: one server at one concurrency. */
    record Run(double ttftP50Ms, double ttftP95Ms, double tokensPerSecond, int streams, long tokens,
               double promptTokens) {
        JsonObject toJson() {
            return new JsonObject().put("ttft_ms_p50", round(ttftP50Ms)).put("ttft_ms_p95", round(ttftP95Ms))
                    .put("aggregate_tokens_per_s", round(tokensPerSecond)).put("streams", streams)
                    .put("tokens", tokens).put("mean_prompt_tokens", round(promptTokens));
        }
    }

    private static final String[] PROMPTS = {
        "I want to return my order, how do I do that?",
        "My package has not arrived yet. Where is it?",
        "How can I change the delivery address of my order?",
        "I was charged twice for the same purchase.",
        "Can I cancel my subscription before the end of the month?",
        "The item I received is broken. What should I do?",
        "How long does a refund take?",
        "I forgot my password and cannot sign in.",
    };

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** Measures every target at every concurrency, rounds times, alternating targets; one JSON object. */
    public JsonObject run(List<Target> targets, Settings settings) throws Exception {
        for (Target t : targets) { // warm-up, untimed: the JIT, the pools, every batch size's buffers
            drive(t, Collections.max(settings.concurrency()), 1, Math.min(16, settings.maxTokens()));
        }
        Map<String, Map<Integer, List<Run>>> runs = new LinkedHashMap<>();
        for (int round = 0; round < settings.rounds(); round++) {
            for (int c : settings.concurrency()) {
                for (Target t : targets) {
                    runs.computeIfAbsent(t.name(), k -> new LinkedHashMap<>()).computeIfAbsent(c, k -> new ArrayList<>())
                            .add(drive(t, c, settings.requestsPerClient(), settings.maxTokens()));
                }
            }
        }
        JsonObject out = new JsonObject().put("max_tokens", settings.maxTokens())
                .put("requests_per_client", settings.requestsPerClient()).put("rounds", settings.rounds())
                .put("cores", Runtime.getRuntime().availableProcessors());
        JsonObject results = new JsonObject();
        runs.forEach((name, byConcurrency) -> {
            JsonArray rows = new JsonArray();
            byConcurrency.forEach((c, list) -> rows.add(new JsonObject().put("concurrency", c)
                    .put("ttft_ms_p50", round(median(list.stream().map(Run::ttftP50Ms).toList())))
                    .put("ttft_ms_p95", round(median(list.stream().map(Run::ttftP95Ms).toList())))
                    .put("aggregate_tokens_per_s", round(median(list.stream().map(Run::tokensPerSecond).toList())))
                    .put("runs", new JsonArray(list.stream().map(Run::toJson).toList()))));
            int lowest = Collections.min(byConcurrency.keySet());
            int highest = Collections.max(byConcurrency.keySet());
            if (highest > lowest) {
                rows.add(new JsonObject().put("scaling_" + highest + "_vs_" + lowest, round(
                        median(byConcurrency.get(highest).stream().map(Run::tokensPerSecond).toList())
                                / median(byConcurrency.get(lowest).stream().map(Run::tokensPerSecond).toList()))));
            }
            results.put(name, rows);
        });
        out.put("targets", results);
        if (targets.size() > 1) {
            String first = targets.get(0).name();
            JsonObject ratios = new JsonObject();
            for (Target other : targets.subList(1, targets.size())) {
                JsonObject byC = new JsonObject();
                for (int c : settings.concurrency()) {
                    List<Run> a = runs.get(first).get(c);
                    List<Run> b = runs.get(other.name()).get(c);
                    byC.put(String.valueOf(c), new JsonObject()
                            .put("tokens_per_s", round(median(a.stream().map(Run::tokensPerSecond).toList())
                                    / median(b.stream().map(Run::tokensPerSecond).toList())))
                            .put("ttft_p95", round(median(a.stream().map(Run::ttftP95Ms).toList())
                                    / median(b.stream().map(Run::ttftP95Ms).toList()))));
                }
                ratios.put(first + "_vs_" + other.name(), byC);
            }
            out.put("ratios", ratios);
        }
        return out;
    }

    /** {@code concurrency} clients, each sending {@code requests} streaming requests in turn. */
    Run drive(Target target, int concurrency, int requests, int maxTokens) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<List<double[]>>> clients = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < concurrency; i++) {
                int client = i;
                clients.add(pool.submit(() -> {
                    List<double[]> measured = new ArrayList<>();
                    for (int r = 0; r < requests; r++) {
                        measured.add(stream(target, PROMPTS[(client + r) % PROMPTS.length], maxTokens));
                    }
                    return measured;
                }));
            }
            List<Double> ttft = new ArrayList<>();
            long tokens = 0;
            double promptTokens = 0;
            for (Future<List<double[]>> f : clients) {
                for (double[] m : f.get()) {
                    ttft.add(m[0]);
                    tokens += (long) m[1];
                    promptTokens += m[2];
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Run(ChatBenchmark.percentile(ttft, 50), ChatBenchmark.percentile(ttft, 95), tokens / seconds,
                    ttft.size(), tokens, promptTokens / ttft.size());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One streaming request: {time to first content ms, completion tokens, prompt tokens (0 if not reported)}. */
    private double[] stream(Target target, String prompt, int maxTokens) throws Exception {
        JsonObject body = new JsonObject().put("model", "kaizen").put("stream", true).put("max_tokens", maxTokens)
                .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt)));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.baseUrl() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
        if (target.apiKey() != null) {
            request.header("Authorization", "Bearer " + target.apiKey());
        }
        long sent = System.nanoTime();
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String error;
            try (InputStream in = response.body()) {
                error = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            throw new IOException(target.name() + " answered " + response.statusCode() + ": " + error);
        }
        long first = 0;
        int tokens = 0;
        int promptTokens = 0;
        int chunks = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                JsonObject chunk = new JsonObject(line.substring(6));
                if (chunk.containsKey("error")) {
                    throw new IOException(target.name() + " failed mid-stream: " + chunk.encode());
                }
                JsonArray choices = chunk.getJsonArray("choices");
                JsonObject delta = choices == null || choices.isEmpty() ? null
                        : choices.getJsonObject(0).getJsonObject("delta");
                String content = delta == null ? null : delta.getString("content");
                if (content != null && !content.isEmpty()) {
                    chunks++;
                    if (first == 0) {
                        first = System.nanoTime();
                    }
                }
                JsonObject usage = chunk.getJsonObject("usage");
                if (usage != null) {
                    tokens = usage.getInteger("completion_tokens", 0);
                    promptTokens = usage.getInteger("prompt_tokens", 0);
                }
            }
        }
        return new double[] {first == 0 ? (System.nanoTime() - sent) / 1e6 : (first - sent) / 1e6,
            tokens > 0 ? tokens : chunks, promptTokens};
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n == 0 ? 0 : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
