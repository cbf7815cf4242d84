package ai.kaizen.server;

import ai.kaizen.model.Fixtures;
import ai.kaizen.server.JarProcesses.Run;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged kaizen.jar run as a real process, as a person or a container would run it. */
class KaizenJarIT {

    @TempDir
    Path home;

    private final JarProcesses processes = new JarProcesses();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void killLeftovers() {
        processes.close();
    }

    private Run start(Map<String, String> env, String... args) throws IOException {
        return processes.start(home, env, args);
    }

    private Run runToEnd(Map<String, String> env, String... args) throws Exception {
        return processes.runToEnd(home, env, args);
    }

    private int awaitListening(Run run) throws InterruptedException {
        return run.awaitListening();
    }

    private JsonObject ready(int port) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        return new JsonObject(response.body());
    }

    @Test
    void everyCommandHasHelp() throws Exception {
        List<List<String>> commands = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), commands);
        assertThat(commands).extracting(c -> String.join(" ", c)).contains("", "serve");
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(command);
            args.add("--help");
            Run run = runToEnd(Map.of(), args.toArray(String[]::new));
            assertThat(run.process().exitValue()).as("exit of " + args).isZero();
            assertThat(run.output()).as("help of " + args).contains("Usage: kaizen");
        }
    }

    private static void collect(CommandLine cli, List<String> path, List<List<String>> out) {
        out.add(path);
        cli.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                List<String> next = new ArrayList<>(path);
                next.add(name);
                collect(sub, next, out);
            }
        });
    }

    @Test
    void anInvalidValueStopsStartUpWithOneLineNamingTheKey() throws Exception {
        Run flag = runToEnd(Map.of(), "serve", "--http-port", "eighty");
        assertThat(flag.process().exitValue()).isEqualTo(2);
        assertThat(flag.lines()).containsExactly(
                "kaizen: invalid value for http.port (from --http-port): 'eighty' is not a whole number");

        Run env = runToEnd(Map.of("KAIZEN_DATABASE_POOL_SIZE", "lots"), "serve");
        assertThat(env.process().exitValue()).isEqualTo(2);
        assertThat(env.lines()).hasSize(1);
        assertThat(env.lines().get(0)).contains("database.pool-size", "KAIZEN_DATABASE_POOL_SIZE");
        assertThat(home.resolve("postgres")).doesNotExist();
    }

    @Test
    void servesThenStopsCleanlyOnSigterm() throws Exception {
        Run run = start(Map.of(), "serve", "--http-host", "127.0.0.1", "--http-port", "0");
        int port = awaitListening(run);
        JsonObject ready = ready(port);
        assertThat(ready.getJsonObject("checks").getJsonObject("database").getString("status")).isEqualTo("UP");
        assertThat(home.resolve("postgres/data/postmaster.pid")).exists();

        // SIGTERM; Process.destroy() would also close our end of its output, losing what it logs while stopping.
        run.process().toHandle().destroy();
        assertThat(run.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.process().exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
        Thread.sleep(100);
        assertThat(run.output()).contains("embedded PostgreSQL stopped", "\"message\":\"stopped\"");
        // Every log line is one JSON object.
        run.lines().forEach(line -> assertThat(line).as("every line is a JSON log record; the output was:\n"
                + run.output()).startsWith("{\"").contains("\"level\":"));
        assertThat(home.resolve("postgres/data/postmaster.pid")).doesNotExist();
    }

    @Test
    void adminCommandsWorkBesideTheRunningServer() throws Exception {
        Run serve = start(Map.of(), "serve", "--http-host", "127.0.0.1", "--http-port", "0");
        int port = awaitListening(serve);

        Run create = start(Map.of(), "admin", "create-user", "--name", "olga", "--role", "operator");
        create.process().getOutputStream().write("a long enough password\n".getBytes(StandardCharsets.UTF_8));
        create.process().getOutputStream().close();
        assertThat(create.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        assertThat(create.process().exitValue()).as(create.output()).isZero();
        assertThat(create.lines()).contains("created operator 'olga'");

        Run again = start(Map.of(), "admin", "create-user", "--name", "OLGA", "--role", "reviewer");
        again.process().getOutputStream().write("another password!\n".getBytes(StandardCharsets.UTF_8));
        again.process().getOutputStream().close();
        assertThat(again.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        assertThat(again.process().exitValue()).isEqualTo(2);
        assertThat(again.output()).contains("already exists");

        Run key = runToEnd(Map.of(), "admin", "create-api-key", "--name", "ci");
        assertThat(key.process().exitValue()).isZero();
        assertThat(key.lines().stream().filter(l -> l.startsWith("kz-")).toList()).singleElement()
                .satisfies(k -> assertThat(k).hasSizeGreaterThan(40));

        // The new account signs in on the running server.
        java.net.http.HttpClient browser = java.net.http.HttpClient.newBuilder()
                .cookieHandler(new java.net.CookieManager(null, java.net.CookiePolicy.ACCEPT_ALL))
                .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
        String page = browser.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/login")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page);
        assertThat(csrf.find()).isTrue();
        HttpResponse<String> signedIn = browser.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("_csrf=" + csrf.group(1)
                        + "&name=olga&password=a+long+enough+password&next=/api/me"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(new JsonObject(signedIn.body()).getString("role")).isEqualTo("operator");

        serve.process().toHandle().destroy();
        assertThat(serve.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        // The commands shared the server's database and did not stop it; the server stopped it at the end.
        assertThat(serve.output()).contains("embedded PostgreSQL stopped");
        assertThat(home.resolve("postgres/data/postmaster.pid")).doesNotExist();
    }

    @Test
    void exportsTheShippedBitextDataFromAnyFolderAndAnEmptyFeedbackDataset() throws Exception {
        // no --data, and the working directory is the home, not the repository: the jar's own copy is used
        Run run = runToEnd(Map.of(), "export", "bitext", "--out", "out");
        assertThat(run.process().exitValue()).as(run.output()).isZero();
        assertThat(home.resolve("data/bitext/detailed_responses.csv")).hasSameBinaryContentAs(
                Fixtures.inRepository("data/bitext/detailed_responses.csv"));
        JsonObject counts = new JsonObject(run.lines().get(run.lines().size() - 1));
        assertThat(counts.getJsonObject("preference").getInteger("train")
                + counts.getJsonObject("preference").getInteger("eval")).isEqualTo(3719);
        assertThat(home.resolve("out/sft/train.jsonl")).isNotEmptyFile();

        Run dataset = runToEnd(Map.of(), "export", "dataset", "--kind", "sft", "--out", "ds");
        assertThat(dataset.process().exitValue()).as(dataset.output()).isZero();
        assertThat(dataset.output()).contains("\"version\":1", "\"train\":0");
        assertThat(home.resolve("ds/train.jsonl")).exists();
    }

    @Test
    void theStarterRecipeRunsOnTheShippedDataFromAnyFolder() throws Exception {
        Run run = runToEnd(Map.of(), "starter", "tokenizer", "--out", "tokenizer");
        assertThat(run.process().exitValue()).as(run.output()).isZero();
        // the same data gives the same tokenizer as the committed starter model's
        assertThat(home.resolve("tokenizer/tokenizer.json")).hasSameTextualContentAs(
                Fixtures.inRepository("models/starter/tokenizer.json"));

        Run missing = runToEnd(Map.of(), "starter", "tokenizer", "--data", "nowhere", "--out", "t2");
        assertThat(missing.process().exitValue()).isEqualTo(Main.EXIT_CONFIG);
        assertThat(missing.output()).contains("nowhere has no bitext/ directory");
    }

    @Test
    void fineTunesOnExportedDataAndTheResultGenerates() throws Exception {
        Path bitext = Fixtures.inRepository("data/bitext");
        assertThat(runToEnd(Map.of(), "export", "bitext", "--data", bitext.toString(), "--out", "data")
                .process().exitValue()).isZero();
        // A few examples are enough to exercise the whole path; the trainer's own tests check that it learns.
        java.nio.file.Files.createDirectories(home.resolve("small"));
        java.nio.file.Files.write(home.resolve("small/train.jsonl"),
                java.nio.file.Files.readAllLines(home.resolve("data/sft/train.jsonl")).subList(0, 16));
        java.nio.file.Files.write(home.resolve("small/eval.jsonl"),
                java.nio.file.Files.readAllLines(home.resolve("data/sft/eval.jsonl")).subList(0, 4));
        Path config = home.resolve("sft.json");
        java.nio.file.Files.writeString(config, new JsonObject()
                .put("model_name_or_path", Fixtures.stories260k().toString())
                .put("dataset_dir", home.resolve("small").toString())
                .put("output_dir", home.resolve("sft-out").toString())
                .put("max_steps", 4).put("per_device_train_batch_size", 4).put("max_length", 128)
                .put("eval_steps", 2).put("save_steps", 2).encode());
        Run train = runToEnd(Map.of(), "train", "sft", "--config", config.toString());
        assertThat(train.process().exitValue()).as(train.output()).isZero();
        JsonObject summary = new JsonObject(train.lines().stream().filter(l -> l.startsWith("{\"steps\""))
                .findFirst().orElseThrow());
        assertThat(summary.getLong("steps")).isEqualTo(4);
        assertThat(home.resolve("sft-out/model.safetensors")).isNotEmptyFile();
        assertThat(home.resolve("sft-out/metrics.jsonl")).isNotEmptyFile();

        Run generate = runToEnd(Map.of(), "generate", "--model", home.resolve("sft-out").toString(),
                "--prompt", "Where is my order?", "--greedy", "--max-new-tokens", "8");
        assertThat(generate.process().exitValue()).as(generate.output()).isZero();

        Run missing = runToEnd(Map.of(), "train", "sft", "--model", "nowhere", "--data", "data/sft",
                "--output", "x");
        assertThat(missing.process().exitValue()).isEqualTo(2);
        assertThat(missing.output()).contains("config.json").doesNotContain("Exception");
    }

    @Test
    void trainsPpoAgainstARewardModelDirectoryAndBenchmarksTraining() throws Exception {
        // a reward-model directory: stories260K's backbone with a fresh head and score statistics
        Path reward = home.resolve("reward");
        java.nio.file.Files.createDirectories(reward);
        try (var files = java.nio.file.Files.list(Fixtures.stories260k())) {
            for (Path f : files.toList()) {
                java.nio.file.Files.copy(f, reward.resolve(f.getFileName()));
            }
        }
        try (ai.kaizen.model.llama.LlamaModel backbone = ai.kaizen.model.llama.LlamaModel.load(reward,
                ai.kaizen.model.llama.ModelOptions.DEFAULT);
                ai.kaizen.model.head.ScalarHead head = ai.kaizen.model.head.ScalarHead.create(backbone, 5)) {
            head.save(reward);
        }
        java.nio.file.Files.writeString(reward.resolve("reward_stats.json"), "{\"mean\": 0.0, \"std\": 0.5}");
        java.nio.file.Files.createDirectories(home.resolve("prompts"));
        java.nio.file.Files.write(home.resolve("prompts/train.jsonl"), List.of("{\"prompt\": \"Once upon a time\"}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"The little dog\"}]}",
                "{\"prompt\": \"Lily went to\"}", "{\"prompt\": \"A big cat\"}"));
        java.nio.file.Files.write(home.resolve("prompts/eval.jsonl"), List.of("{\"prompt\": \"The bird sang\"}"));
        Path config = home.resolve("ppo.json");
        java.nio.file.Files.writeString(config, new JsonObject()
                .put("model_name_or_path", Fixtures.stories260k().toString())
                .put("reward_model_path", reward.toString())
                .put("dataset_dir", home.resolve("prompts").toString())
                .put("output_dir", home.resolve("ppo-out").toString())
                .put("max_steps", 2).put("per_device_train_batch_size", 4).put("response_length", 8)
                .put("max_prompt_length", 64).put("eval_steps", 1).put("save_steps", 1).put("learning_rate", 1e-5)
                .encode());
        Run train = runToEnd(Map.of(), "train", "ppo", "--config", config.toString());
        assertThat(train.process().exitValue()).as(train.output()).isZero();
        JsonObject summary = new JsonObject(train.lines().stream().filter(l -> l.startsWith("{\"steps\""))
                .findFirst().orElseThrow());
        assertThat(summary.getLong("steps")).isEqualTo(2);
        assertThat(summary.getString("stop_reason")).isEqualTo("completed");
        assertThat(home.resolve("ppo-out/model.safetensors")).isNotEmptyFile();
        assertThat(home.resolve("ppo-out/eval_report.json")).isNotEmptyFile();
        assertThat(home.resolve("ppo-out/checkpoint-2/value/scalar_head.safetensors")).isNotEmptyFile();

        Run resumed = runToEnd(Map.of(), "train", "ppo", "--config", config.toString(), "--resume");
        assertThat(resumed.process().exitValue()).as(resumed.output()).isZero();

        java.nio.file.Files.writeString(home.resolve("no-reward.json"), new JsonObject()
                .put("model_name_or_path", Fixtures.stories260k().toString())
                .put("dataset_dir", home.resolve("prompts").toString()).put("output_dir", "x").encode());
        Run noReward = runToEnd(Map.of(), "train", "ppo", "--config", home.resolve("no-reward.json").toString());
        assertThat(noReward.process().exitValue()).isEqualTo(2);
        assertThat(noReward.output()).contains("reward_model_path").doesNotContain("Exception");

        Run bench = runToEnd(Map.of(), "bench", "train", "--model", Fixtures.stories260k().toString(),
                "--batch", "2", "--seq-len", "16", "--steps", "1");
        assertThat(bench.process().exitValue()).as(bench.output()).isZero();
        JsonObject times = new JsonObject(bench.lines().stream().filter(l -> l.startsWith("{\"model\""))
                .findFirst().orElseThrow());
        assertThat(times.getDouble("sft_tokens_per_s")).isPositive();
        assertThat(times.getDouble("ppo_generation_s")).isPositive();
        assertThat(times.getDouble("ppo_update_s")).isPositive();

        Run decode = runToEnd(Map.of(), "bench", "generate", "--model", Fixtures.stories260k().toString(),
                "--batch", "2", "--prompt-tokens", "8", "--new-tokens", "20");
        assertThat(decode.process().exitValue()).as(decode.output()).isZero();
        JsonObject rates = new JsonObject(decode.lines().stream().filter(l -> l.startsWith("{\"model\""))
                .findFirst().orElseThrow());
        assertThat(rates.getInteger("batch")).isEqualTo(2);
        assertThat(rates.getLong("params")).isPositive();
        assertThat(rates.getLong("weight_bytes")).isPositive();
        assertThat(rates.getDouble("prefill_tokens_per_s")).isPositive();
        assertThat(rates.getDouble("decode_tokens_per_s")).isPositive();
        assertThat(rates.getDouble("bandwidth_gb_per_s")).isPositive();
        assertThat(rates.getJsonObject("bandwidth_best_gb_per_s").getDouble("java_heap")).isPositive();
        assertThat(rates.getDouble("fraction_of_bound")).isPositive();
    }

    @Test
    void anExternalDatabaseIsUsedAndNoEmbeddedOneStarts() throws Exception {
        try (EmbeddedPostgres external = EmbeddedPostgres.builder()
                .setPGStartupWait(Duration.ofSeconds(60)).start()) {
            String url = "postgresql://postgres@localhost:" + external.getPort() + "/postgres";
            Run run = start(Map.of("KAIZEN_DATABASE_URL", url), "serve", "--http-port", "0");
            int port = awaitListening(run);
            JsonObject database = ready(port).getJsonObject("checks").getJsonObject("database");
            assertThat(database.getString("status")).isEqualTo("UP");
            assertThat(database.getBoolean("embedded")).isFalse();
            assertThat(home.resolve("postgres")).doesNotExist();
            try (Connection c = external.getPostgresDatabase().getConnection();
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT version FROM flyway_schema_history WHERE success"
                         + " ORDER BY installed_rank DESC LIMIT 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(database.getString("schema_version"));
            }
            run.process().toHandle().destroy();
            assertThat(run.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(run.output()).doesNotContain("embedded PostgreSQL");
        }
    }
}
