package ai.kaizen.server.chat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.server.TestClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server process killed (SIGKILL) while it streams an A/B pair, then started again on the same home: the answers
 * whose ids and first tokens the client got are stored, interrupted, with what of their text was saved before the
 * kill (a beginning of what the client got), and the client rates one and chooses between them as it would any
 * answer, and goes on with the conversation.
 */
class InterruptedAnswerIT {

    private static final Path JAR = Path.of(System.getProperty("kaizen.jar", "target/kaizen.jar"));

    @TempDir
    Path home;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws Exception {
        for (Process p : processes) {
            p.toHandle().destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** Starts {@code kaizen serve} on {@code port} and waits until it listens; its output goes to {@code lines}. */
    private Process serve(int port, List<String> lines) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString(), "serve", "--http-host", "127.0.0.1",
                "--http-port", Integer.toString(port), "--model-dir", Fixtures.stories260k().toString(),
                "--chat-max-new-tokens", "400", "--chat-pairwise-probability", "1",
                "--chat-progress-save-ms", "20", "--review-buffer", "0").redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("KAIZEN_"));
        builder.environment().put("KAIZEN_HOME", home.toString());
        builder.directory(home.toFile());
        Process process = builder.start();
        processes.add(process);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (lines.stream().noneMatch(l -> l.contains("Kaizen listening on"))) {
            assertThat(process.isAlive()).as("server alive; output:\n" + String.join("\n", lines)).isTrue();
            assertThat(System.nanoTime()).as("started in time; output:\n" + String.join("\n", lines))
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
        return process;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void anAnswerCutOffByAKilledServerIsStoredAndCanBeRatedAndChosenAfterARestart() throws Exception {
        int port = freePort();
        List<String> firstRun = new CopyOnWriteArrayList<>();
        Process first = serve(port, firstRun);
        TestClient client = new TestClient(port).openChat();
        String conversation = client.json("POST", "/api/conversations", new JsonObject()).getString("id");

        Map<String, StringBuilder> delivered = new HashMap<>();
        List<String> answers = new ArrayList<>();
        TestClient.OpenStream stream = client.open("/api/conversations/" + conversation + "/messages",
                new JsonObject().put("content", "Once upon a time there was a little dog"));
        JsonObject start = stream.until("start").data();
        start.getJsonArray("answers").forEach(a -> answers.add((String) a));
        String comparison = start.getString("comparison_id");
        assertThat(answers).hasSize(2);
        assertThat(comparison).isNotNull();
        // Read the answers as they stream for a while, then kill the server mid-answer.
        long firstToken = 0;
        int tokens = 0;
        for (TestClient.Event e = stream.next(); ; e = stream.next()) {
            assertThat(e).as("the stream ended before the server was killed").isNotNull();
            assertThat(e.name()).as("the answers finished before the server was killed: " + e.data())
                    .isEqualTo("token");
            delivered.computeIfAbsent(e.data().getString("answer"), id -> new StringBuilder())
                    .append(e.data().getString("text"));
            firstToken = firstToken == 0 ? System.nanoTime() : firstToken;
            if (++tokens >= 16 && System.nanoTime() - firstToken > TimeUnit.MILLISECONDS.toNanos(100)) {
                break;
            }
        }
        first.destroyForcibly(); // SIGKILL: no shutdown hook, nothing finished
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        try {
            // what the server sent before it died
            for (TestClient.Event e = stream.next(); e != null; e = stream.next()) {
                assertThat(e.name()).isEqualTo("token");
                delivered.computeIfAbsent(e.data().getString("answer"), id -> new StringBuilder())
                        .append(e.data().getString("text"));
            }
            stream.close();
        } catch (IOException ignored) {
            // the connection was reset
        }

        Process second = serve(port, new CopyOnWriteArrayList<>());
        JsonObject shown = new JsonObject(client.get("/api/conversations/" + conversation).body());
        JsonObject a = shown.getJsonArray("messages").getJsonObject(1);
        assertThat(a.getString("id")).isEqualTo(answers.get(0));
        assertThat(a.getString("finish_reason")).isEqualTo("interrupted");
        String saved = a.getString("content");
        assertThat(delivered.getOrDefault(answers.get(0), new StringBuilder()).toString()).startsWith(saved);
        // How much was saved depends on how fast the database committed while the model wrote (every 20 ms here)
        System.out.printf("interrupted answer: %d characters stored of %d delivered%n", saved.length(),
                delivered.getOrDefault(answers.get(0), new StringBuilder()).length());
        assertThat(shown.getJsonObject("pending_comparison").getString("id")).isEqualTo(comparison);

        HttpResponse<String> rated = client.send("PUT", "/api/messages/" + answers.get(0) + "/rating",
                new JsonObject().put("thumbs", -1).put("reasons", List.of("unhelpful")).encode());
        assertThat(rated.statusCode()).as(rated.body()).isEqualTo(200);
        HttpResponse<String> chosen = client.send("PUT", "/api/comparisons/" + comparison + "/choice",
                new JsonObject().put("choice", "b").encode());
        assertThat(chosen.statusCode()).as(chosen.body()).isEqualTo(200);
        assertThat(new JsonObject(chosen.body()).getString("continuing_message_id")).isEqualTo(answers.get(1));

        JsonObject after = new JsonObject(client.get("/api/conversations/" + conversation).body());
        JsonObject b = after.getJsonArray("messages").getJsonObject(1);
        assertThat(b.getString("id")).isEqualTo(answers.get(1));
        assertThat(b.getString("finish_reason")).isEqualTo("interrupted");
        // the conversation goes on after the interrupted answer
        TestClient.Stream next = client.stream("/api/conversations/" + conversation + "/messages",
                new JsonObject().put("content", "And then?"));
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        assertThat(next.named("end")).hasSize(1);
        second.toHandle().destroy();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
}
