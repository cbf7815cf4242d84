package ai.kaizen.server.console;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.account.Role;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.CycleSchedule;
import ai.kaizen.db.cycle.CycleScheduleRepository;
import ai.kaizen.db.cycle.FeedbackCounts;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.lifecycle.CycleScheduler;
import ai.kaizen.server.lifecycle.CycleSchedules;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The model lifecycle end to end, with the real stories260k model, the real (embedded) database, real HTTP and
 * real trainer child processes: feedback, a cycle started through the console's API, a candidate registered and
 * gated, promotion and the chat answering with it, rollback, a killed trainer failed then resumed, reviewers' work
 * in the overview, the schedule set through the API and cycles it starts (by new feedback and at a cron tick), and
 * the role checks of every console route.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleLifecycleTest {

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "12",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000",
            ConfigKey.CYCLE_HEARTBEAT_SECONDS, "1",
            ConfigKey.CYCLE_HEARTBEAT_TIMEOUT_SECONDS, "60"));

    static TestClient operator;
    static TestClient reviewer;

    @BeforeAll
    static void start() throws Exception {
        Accounts accounts = TestClient.accounts(kaizen.server());
        await(accounts.createUser("rita", Role.REVIEWER, "reviewer password"));
        await(accounts.createUser("otto", Role.OPERATOR, "operator password"));
        operator = TestClient.signedIn(kaizen.port(), "otto", "operator password");
        reviewer = TestClient.signedIn(kaizen.port(), "rita", "reviewer password");
        // Feedback: answers rated five stars become the SFT examples of a cycle.
        kaizen.client().openChat().askAndRate(5, "Where is my order?", "I want a refund.",
                "How do I reset my password?", "Can I change my address?", "My parcel is late.",
                "Cancel my subscription.", "Do you ship abroad?", "The item arrived broken.");
    }

    /** Polls the cycle until {@code done} holds (or fails the test after {@code seconds}). */
    private static JsonObject waitFor(long id, Predicate<JsonObject> done, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonObject cycle;
        do {
            cycle = operator.json("GET", "/api/console/cycles/" + id, new JsonObject());
            if (done.test(cycle)) {
                return cycle;
            }
            Thread.sleep(300);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("cycle " + id + " did not get there in " + seconds + " s: " + cycle.encode());
    }

    private static boolean ended(JsonObject cycle) {
        return !List.of("queued", "running").contains(cycle.getString("status"));
    }

    /** Asks the chat one question and returns the model version its stored answer records. */
    private static String answeringVersion() throws Exception {
        TestClient user = kaizen.client().openChat();
        String conversation = user.json("POST", "/api/conversations", new JsonObject()).getString("id");
        String answer = user.stream("/api/conversations/" + conversation + "/messages",
                new JsonObject().put("content", "Hello")).first("done").data().getString("message_id");
        List<Message> messages = await(new ConversationRepository(kaizen.sessions())
                .messages(UUID.fromString(conversation)));
        return messages.stream().filter(m -> m.id().toString().equals(answer)).findFirst().orElseThrow()
                .modelVersion();
    }

    @Test
    @Order(1)
    void everyConsoleRouteIsForOperatorsOnly() throws Exception {
        TestClient anonymous = kaizen.client().openChat();
        List<String[]> routes = List.of(
                new String[]{"GET", "/console"}, new String[]{"GET", "/console/cycles/1"},
                new String[]{"GET", "/api/console/overview"}, new String[]{"GET", "/api/console/models"},
                new String[]{"POST", "/api/console/models/1/promote"},
                new String[]{"POST", "/api/console/models/rollback"},
                new String[]{"GET", "/api/console/cycles"}, new String[]{"POST", "/api/console/cycles"},
                new String[]{"GET", "/api/console/cycles/1"}, new String[]{"GET", "/api/console/cycles/1/events"},
                new String[]{"GET", "/api/console/cycles/1/previous-metrics?stage=sft"},
                new String[]{"POST", "/api/console/cycles/1/cancel"},
                new String[]{"POST", "/api/console/cycles/1/resume"}, new String[]{"GET", "/api/console/audit"},
                new String[]{"GET", "/api/console/datasets"}, new String[]{"GET", "/api/console/datasets/1/export"},
                new String[]{"GET", "/api/console/comparisons"}, new String[]{"POST", "/api/console/comparisons"},
                new String[]{"POST", "/api/console/comparisons/stop"},
                new String[]{"GET", "/api/console/schedule"}, new String[]{"PUT", "/api/console/schedule"});
        for (String[] route : routes) {
            assertThat(anonymous.send(route[0], route[1], "{}").statusCode()).as("anonymous " + route[1])
                    .isEqualTo(401);
            assertThat(reviewer.send(route[0], route[1], "{}").statusCode()).as("reviewer " + route[1])
                    .isEqualTo(403);
        }
        assertThat(operator.get("/console").statusCode()).isEqualTo(200);
        assertThat(operator.get("/console").body()).contains("/static/console.js");
        assertThat(operator.send("GET", "/api/console/cycles/abc", "").statusCode()).isEqualTo(400);
        assertThat(operator.send("GET", "/api/console/cycles/999", "").statusCode()).isEqualTo(404);
        assertThat(operator.send("POST", "/api/console/models/999/promote", "").statusCode()).isEqualTo(404);
        HttpResponse<String> badStage = operator.send("POST", "/api/console/cycles", "{\"stages\":[\"sft\",\"dataset\"]}");
        assertThat(badStage.statusCode()).isEqualTo(400);
        assertThat(badStage.body()).contains("order");
        HttpResponse<String> unknownStage = operator.send("POST", "/api/console/cycles",
                "{\"stages\":[\"dataset\",\"rlhf\"]}");
        assertThat(unknownStage.statusCode()).isEqualTo(400);
        assertThat(unknownStage.body()).contains("unknown stage");
        assertThat(operator.send("POST", "/api/console/cycles", "{\"preset\":\"huge\"}").statusCode()).isEqualTo(400);
    }

    /** The version {@code id} as the registry lists it. */
    private static JsonObject registeredVersion(long id) throws Exception {
        return operator.json("GET", "/api/console/models", new JsonObject()).getJsonArray("versions")
                .stream().map(JsonObject.class::cast).filter(v -> v.getLong("id") == id).findFirst()
                .orElseThrow();
    }

    private static JsonObject check(JsonObject gate, String name) {
        return gate.getJsonArray("checks").stream().map(JsonObject.class::cast)
                .filter(c -> c.getString("name").equals(name)).findFirst().orElseThrow(() ->
                        new AssertionError("no check " + name + " in " + gate.encode()));
    }

    /**
     * A cycle whose gate fails (a threshold no candidate meets, on as few prompts as there are) ends as gate_failed,
     * is not auto-promoted, and its candidate is promoted only with an override reason, which the audit log keeps.
     */
    @Test
    @Order(2)
    void aCycleTrainsACandidateThatIsGatedPromotedServedAndRolledBack() throws Exception {
        JsonObject overview = operator.json("GET", "/api/console/overview", new JsonObject());
        assertThat(overview.getJsonObject("total").getLong("ratings")).isEqualTo(8);
        assertThat(overview.getBoolean("enough_for_cycle")).isTrue();
        JsonObject models = operator.json("GET", "/api/console/models", new JsonObject());
        long base = models.getLong("serving_version_id");
        String baseLabel = models.getJsonArray("versions").getJsonObject(0).getString("label");
        assertThat(answeringVersion()).isEqualTo(baseLabel);

        HttpResponse<String> badGate = operator.send("POST", "/api/console/cycles", new JsonObject()
                .put("preset", "tiny").put("gate", new JsonObject().put("min_prompts", 0)).encode());
        assertThat(badGate.statusCode()).isEqualTo(400);
        assertThat(badGate.body()).contains("gate.min_prompts");
        HttpResponse<String> started = operator.send("POST", "/api/console/cycles", new JsonObject()
                .put("preset", "tiny").put("dataset", new JsonObject().put("evalFraction", 0.25))
                .put("gate", new JsonObject().put("min_prompts", 1).put("max_eval_loss_increase", -100))
                .put("auto_promote", true).encode());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        long id = new JsonObject(started.body()).getLong("id");
        assertThat(operator.send("POST", "/api/console/cycles", "{\"preset\":\"tiny\"}").statusCode())
                .as("one cycle at a time").isEqualTo(409);

        // Live progress over SSE until the cycle ends.
        String events = operator.get("/api/console/cycles/" + id + "/events").body();
        assertThat(events).contains("event: cycle").contains("event: metrics").contains("\"name\":\"loss\"")
                .contains("event: log").contains("event: end");

        JsonObject cycle = waitFor(id, ConsoleLifecycleTest::ended, 120);
        assertThat(cycle.getString("status")).as(cycle.encode()).isEqualTo("gate_failed");
        assertThat(cycle.getString("stage")).isEqualTo("evaluate");
        long candidate = cycle.getLong("candidate_version_id");
        JsonObject gate = cycle.getJsonObject("gate_report");
        assertThat(gate.getJsonArray("checks")).extracting(c -> ((JsonObject) c).getString("name"))
                .contains("eval_loss", "response_length", "kl", "bad_answers", "intent_match", "win_rate");
        assertThat(gate.getString("verdict")).isEqualTo("fail");
        assertThat(gate.getBoolean("passed")).isFalse();
        assertThat(gate.getString("reason")).startsWith("failed: eval_loss");
        assertThat(check(gate, "eval_loss").getString("status")).isEqualTo("fail");
        assertThat(check(gate, "bad_answers").getJsonArray("candidate_ci")).hasSize(2);
        assertThat(check(gate, "intent_match").getString("status")).isEqualTo("not_counted");
        assertThat(check(gate, "intent_match").getString("note")).startsWith("skipped: no held-out prompt carries");
        assertThat(check(gate, "win_rate").getString("note")).contains("no reward model");
        assertThat(gate.getJsonObject("thresholds").getInteger("min_prompts")).isEqualTo(1);
        assertThat(gate.getLong("serving_version_id")).isEqualTo(base);
        assertThat(gate.getString("reward_model")).contains("none given");
        assertThat(cycle.getJsonObject("stage_results").getJsonObject("dataset").getString("thumbs_dir"))
                .as("the gate's held-out thumbs").isNotBlank();

        // auto_promote does not promote a failed gate
        JsonObject notPromoted = operator.json("GET", "/api/console/models", new JsonObject());
        assertThat(notPromoted.getLong("serving_version_id")).isEqualTo(base);
        assertThat(notPromoted.getJsonArray("history")).extracting(h -> ((JsonObject) h).getString("action"))
                .doesNotContain("auto_promote");
        assertThat(answeringVersion()).isEqualTo(baseLabel);
        assertThat(operator.get("/api/console/cycles/" + id + "/events").body())
                .contains("not promoted, the gate did not pass");

        JsonObject registered = registeredVersion(candidate);
        assertThat(registered.getString("gate")).isEqualTo("failed");
        assertThat(registered.getLong("parent_id")).isEqualTo(base);
        assertThat(registered.getLong("cycle_id")).isEqualTo(id);
        assertThat(registered.getLong("dataset_version_id")).isNotNull();
        assertThat(registered.getString("sha256")).hasSize(64);
        assertThat(Path.of(registered.getString("artifact_path"))).startsWith(kaizen.home().resolve("models"));
        assertThat(registered.getJsonObject("metrics").getJsonObject("sft").getInteger("steps")).isEqualTo(4);

        long dataset = registered.getLong("dataset_version_id");
        String train = operator.get("/api/console/datasets/" + dataset + "/export").body();
        assertThat(train.lines()).hasSize(new JsonArray(operator.get("/api/console/datasets").body()).stream()
                        .map(JsonObject.class::cast).filter(d -> d.getLong("id") == dataset).findFirst().orElseThrow()
                        .getInteger("train"))
                .allSatisfy(line -> assertThat(new JsonObject(line).getJsonArray("messages")).isNotEmpty());
        assertThat(operator.get("/api/console/datasets/" + dataset + "/export?split=eval").body().lines())
                .isNotEmpty();
        assertThat(operator.get("/api/console/datasets/" + dataset + "/export?split=test").statusCode()).isEqualTo(400);
        assertThat(operator.get("/api/console/datasets/999/export").statusCode()).isEqualTo(404);

        // promoting the candidate of a failed gate needs an override with a reason
        HttpResponse<String> refused = operator.send("POST", "/api/console/models/" + candidate + "/promote", "");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(new JsonObject(refused.body()).getString("error"))
                .contains("the evaluation gate failed model version " + candidate).contains("override_reason");
        assertThat(operator.send("POST", "/api/console/models/" + candidate + "/promote", "{}").statusCode())
                .isEqualTo(409);
        assertThat(operator.send("POST", "/api/console/models/" + candidate + "/promote",
                "{\"override_reason\": \"  \"}").statusCode()).isEqualTo(400);
        // nor can it be served by "rolling back" to it: only a version that served before is a rollback target
        HttpResponse<String> bypass = operator.send("POST", "/api/console/models/rollback",
                "{\"version_id\": " + candidate + "}");
        assertThat(bypass.statusCode()).isEqualTo(409);
        assertThat(new JsonObject(bypass.body()).getString("error")).contains("has never served")
                .contains("override_reason");
        assertThat(operator.json("GET", "/api/console/models", new JsonObject()).getLong("serving_version_id"))
                .as("nothing promoted by a refused request").isEqualTo(base);

        operator.json("POST", "/api/console/models/" + candidate + "/promote", new JsonObject()
                .put("override_reason", "the loss threshold was a test's"));
        assertThat(kaizen.server().model().orElseThrow().version()).isEqualTo(registered.getString("label"));
        JsonObject overridden = new JsonArray(operator.get("/api/console/audit").body()).stream()
                .map(JsonObject.class::cast).filter(a -> a.getString("action").equals("promote_override"))
                .findFirst().orElseThrow();
        assertThat(overridden.getString("actor")).isEqualTo("otto");
        assertThat(overridden.getJsonObject("details").getString("override_reason"))
                .isEqualTo("the loss threshold was a test's");
        assertThat(overridden.getJsonObject("details").getString("gate")).isEqualTo("failed");
        assertThat(overridden.getJsonObject("details").getLong("model_version_id")).isEqualTo(candidate);
        assertThat(answeringVersion()).isEqualTo(registered.getString("label"));

        operator.json("POST", "/api/console/models/rollback", new JsonObject());
        assertThat(answeringVersion()).isEqualTo(baseLabel);
        JsonObject after = operator.json("GET", "/api/console/models", new JsonObject());
        assertThat(after.getLong("serving_version_id")).isEqualTo(base);
        assertThat(after.getJsonArray("history")).extracting(h -> ((JsonObject) h).getString("action"))
                .startsWith("rollback", "promote");
        JsonArray audit = new JsonArray(operator.get("/api/console/audit").body());
        assertThat(audit).extracting(a -> ((JsonObject) a).getString("action"))
                .contains("start_cycle", "promote_override", "rollback");
        // the base version, which no cycle trained, needs no override
        assertThat(registeredVersion(base).getString("gate")).isEqualTo("none");
    }

    @Test
    @Order(3)
    void aKilledTrainerIsMarkedFailedAndTheResumedCycleFinishesFromItsCheckpoint() throws Exception {
        HttpResponse<String> started = operator.send("POST", "/api/console/cycles", new JsonObject()
                .put("preset", "tiny").put("stages", new JsonArray().add("dataset").add("sft"))
                .put("sft", new JsonObject().put("max_steps", 40).put("save_steps", 2)).encode());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        long id = new JsonObject(started.body()).getLong("id");
        // Kill as soon as the first checkpoint is on disk: the row's step lags by up to a heartbeat, longer
        // than a whole run of this tiny model takes on an idle machine.
        Path output = kaizen.home().resolve("cycles").resolve(Long.toString(id)).resolve("sft").resolve("output");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!hasCheckpoint(output)) {
            assertThat(System.nanoTime()).as("a first SFT checkpoint in 120 s").isLessThan(deadline);
            Thread.sleep(10);
        }

        ProcessHandle trainer = ProcessHandle.of(kaizen.server().cycles().job(id).orElseThrow().pid().orElseThrow())
                .orElseThrow();
        trainer.destroyForcibly();
        JsonObject failed = waitFor(id, ConsoleLifecycleTest::ended, 30);
        assertThat(failed.getString("status")).isEqualTo("failed");
        assertThat(failed.getString("error")).contains("trainer exited");

        operator.json("POST", "/api/console/cycles/" + id + "/resume", new JsonObject());
        JsonObject finished = waitFor(id, c -> c.getInteger("attempt") == 2 && ended(c), 120);
        assertThat(finished.getString("status")).as(finished.encode()).isEqualTo("succeeded");
        assertThat(finished.getJsonObject("stage_results").getJsonObject("sft").getInteger("steps")).isEqualTo(40);
        String log = operator.get("/api/console/cycles/" + id + "/events").body();
        assertThat(log).contains("dataset: done in an earlier attempt").contains("sft: resuming from checkpoint");
    }

    private static boolean hasCheckpoint(Path output) throws java.io.IOException {
        if (!java.nio.file.Files.isDirectory(output)) {
            return false;
        }
        try (var entries = java.nio.file.Files.list(output)) {
            return entries.anyMatch(p -> p.getFileName().toString().startsWith("checkpoint-"));
        }
    }

    @Test
    @Order(4)
    void theOverviewCountsReviewersRankingsAndIdealAnswers() throws Exception {
        JsonObject before = operator.json("GET", "/api/console/overview", new JsonObject());
        // One submitted ranking and one submitted ideal answer, written as the review workspace stores them (the
        // "prompt" is an answer no task generator picks, so no background task collides with these rows).
        TestClient user = kaizen.client().openChat();
        String conversation = user.json("POST", "/api/conversations", new JsonObject()).getString("id");
        UUID answer = UUID.fromString(user.stream("/api/conversations/" + conversation + "/messages",
                new JsonObject().put("content", "Hi")).first("done").data().getString("message_id"));
        for (String kind : List.of("rank", "ideal")) {
            await(kaizen.sessions().withTransaction(s -> s.createNativeQuery("WITH t AS ("
                            + "INSERT INTO review_task (id, kind, prompt_message_id, candidate_ids, priority, overlap)"
                            + " VALUES (:task, :kind, cast(:m AS uuid), ARRAY[cast(:m AS uuid)], 2, 1) RETURNING id)"
                            + " INSERT INTO review_assignment (task_id, reviewer, status, ranking, ideal_message_id,"
                            + " submitted_at) SELECT id, 'rita', 'submitted',"
                            + " CASE WHEN :kind = 'rank' THEN jsonb_build_object('entries', jsonb_build_array()) END,"
                            + " CASE WHEN :kind = 'ideal' THEN cast(:m AS uuid) END, now() FROM t")
                    .setParameter("task", UUID.randomUUID()).setParameter("kind", kind).setParameter("m", answer)
                    .executeUpdate()));
        }
        JsonObject after = operator.json("GET", "/api/console/overview", new JsonObject());
        for (String period : List.of("total", "since_serving_trained")) {
            for (String count : List.of("rankings", "ideal_answers")) {
                assertThat(after.getJsonObject(period).getLong(count)).as(period + " " + count)
                        .isEqualTo(before.getJsonObject(period).getLong(count) + 1);
            }
        }
        assertThat(after.getJsonObject("total").getLong("pairwise_choices")).isNotNull();
    }

    @Test
    @Order(5)
    void theScheduleIsSetThroughTheApiCheckedAndAudited() throws Exception {
        JsonObject configured = operator.json("GET", "/api/console/schedule", new JsonObject());
        assertThat(configured.getValue("cron")).isNull();
        assertThat(configured.getInteger("new_preferences")).isZero();
        assertThat(configured.getString("preset")).isEqualTo("standard");
        assertThat(configured.getBoolean("enabled")).isTrue();
        assertThat(configured.getValue("updated_by")).as("not saved yet").isNull();
        assertThat(configured.getString("time_zone")).isEqualTo("UTC");

        Map<String, String> bad = Map.of(
                "{\"cron\": \"0 3 * * 1 2026\"}", "five fields",
                "{\"cron\": \"61 * * * *\"}", "61",
                "{\"cron\": 5}", "cron must be a string",
                "{\"new_preferences\": -1}", "new_preferences",
                "{\"new_preferences\": \"5\"}", "new_preferences",
                "{\"preset\": \"huge\"}", "preset must be one of",
                "{\"enabled\": \"yes\"}", "enabled must be true or false");
        for (Map.Entry<String, String> body : bad.entrySet()) {
            HttpResponse<String> r = operator.send("PUT", "/api/console/schedule", body.getKey());
            assertThat(r.statusCode()).as(body.getKey()).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).as(body.getKey()).contains(body.getValue());
        }
        assertThat(operator.json("GET", "/api/console/schedule", new JsonObject()).getValue("updated_by"))
                .as("nothing saved by a bad request").isNull();

        java.time.Instant asked = java.time.Instant.now();
        JsonObject saved = operator.json("PUT", "/api/console/schedule", new JsonObject().put("cron", "0 3 * * 1")
                .put("new_preferences", 0).put("preset", "tiny").put("auto_promote", false).put("enabled", true));
        assertThat(saved.getString("cron")).isEqualTo("0 3 * * 1");
        assertThat(saved.getString("updated_by")).isEqualTo("otto");
        assertThat(saved.getString("description")).contains("03:00").contains("UTC");
        java.time.ZonedDateTime next = java.time.Instant.parse(saved.getString("next_run"))
                .atZone(java.time.ZoneOffset.UTC);
        assertThat(next.getDayOfWeek()).isEqualTo(java.time.DayOfWeek.MONDAY);
        assertThat(next.toLocalTime()).isEqualTo(java.time.LocalTime.of(3, 0));
        assertThat(next.toInstant()).isAfter(asked).isBefore(asked.plus(Duration.ofDays(7)));
        assertThat(operator.json("GET", "/api/console/schedule", new JsonObject()).getString("preset"))
                .isEqualTo("tiny");
        JsonObject audited = new JsonArray(operator.get("/api/console/audit").body()).getJsonObject(0);
        assertThat(audited.getString("action")).isEqualTo("set_schedule");
        assertThat(audited.getString("actor")).isEqualTo("otto");
        assertThat(audited.getJsonObject("details").getString("cron")).isEqualTo("0 3 * * 1");

        // a field left out keeps its value; null clears the cron expression
        JsonObject cleared = operator.json("PUT", "/api/console/schedule", new JsonObject().putNull("cron")
                .put("enabled", false));
        assertThat(cleared.getValue("cron")).isNull();
        assertThat(cleared.getValue("next_run")).isNull();
        assertThat(cleared.getString("preset")).isEqualTo("tiny");
    }

    /** A scheduler on the real server's database, with a clock the test moves, checking every 300 ms. */
    private static CycleScheduler scheduler(Clock clock) {
        CycleSchedule unused = new CycleSchedule(null, 0, "standard", false, false, null, null);
        return new CycleScheduler(kaizen.server().vertx(), kaizen.server().cycles(), new CycleSchedules(
                new CycleScheduleRepository(kaizen.sessions()), unused,
                new AuditLog(kaizen.sessions())), new FeedbackCounts(kaizen.sessions()),
                clock, Duration.ofMillis(300));
    }

    /** The newest cycle, or null. */
    private static JsonObject newestCycle() throws Exception {
        JsonArray list = new JsonArray(operator.get("/api/console/cycles").body());
        return list.isEmpty() ? null : list.getJsonObject(0);
    }

    private static long newestCycleId() throws Exception {
        JsonObject newest = newestCycle();
        return newest == null ? 0 : newest.getLong("id");
    }

    /**
     * Waits for a cycle newer than {@code afterId} that the scheduler started, checks it, cancels it and turns the
     * schedule off again.
     */
    private static JsonObject scheduledCycle(long afterId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonObject newest;
        do {
            Thread.sleep(300);
            newest = newestCycle();
        } while ((newest == null || newest.getLong("id") <= afterId) && System.nanoTime() < deadline);
        assertThat(newest).as("a scheduled cycle in 30 s").isNotNull();
        assertThat(newest.getLong("id")).as("a scheduled cycle in 30 s").isGreaterThan(afterId);
        assertThat(newest.getJsonObject("request").containsKey("scheduled")).as(newest.encode()).isTrue();
        assertThat(newest.getString("requested_by")).isEqualTo("scheduler");
        assertThat(newest.getJsonObject("request").getString("preset")).isEqualTo("tiny");
        // Schedule off first, then stop what it started: a cycle cancelled while the schedule is on can be
        // followed by another one at once, which would hold the next test's cycle off with a 409.
        operator.json("PUT", "/api/console/schedule", new JsonObject().put("enabled", false));
        for (JsonObject active = newestCycle(); active != null && !ended(active); active = newestCycle()) {
            operator.json("POST", "/api/console/cycles/" + active.getLong("id") + "/cancel", new JsonObject());
            waitFor(active.getLong("id"), ConsoleLifecycleTest::ended, 60);
        }
        return newest;
    }

    @Test
    @Order(6)
    void aScheduledCycleFiresWhenEnoughNewFeedbackArrived() throws Exception {
        operator.json("PUT", "/api/console/schedule", new JsonObject().putNull("cron").put("new_preferences", 1)
                .put("preset", "tiny").put("enabled", true));
        // One new rating since the last cycle started.
        TestClient user = kaizen.client().openChat();
        String conversation = user.json("POST", "/api/conversations", new JsonObject()).getString("id");
        String answer = user.stream("/api/conversations/" + conversation + "/messages",
                new JsonObject().put("content", "Thanks!")).first("start").data().getJsonArray("answers").getString(0);
        user.json("PUT", "/api/messages/" + answer + "/rating", new JsonObject().put("thumbs", 1));
        long before = newestCycleId();
        try (CycleScheduler scheduler = scheduler(Clock.systemUTC())) {
            assertThat(scheduledCycle(before).getJsonObject("request").getString("scheduled")).contains("new ratings");
        }
    }

    @Test
    @Order(7)
    void aScheduledCycleFiresAtTheFirstCronTickAfterTheLastCycle() throws Exception {
        operator.json("PUT", "/api/console/schedule", new JsonObject().put("cron", "0 3 * * 1")
                .put("new_preferences", 0).put("preset", "tiny").put("enabled", true));
        long before = newestCycleId();
        MovableClock clock = new MovableClock();
        try (CycleScheduler scheduler = scheduler(clock)) {
            // no Monday 03:00 since the scheduler started: its checks start nothing...
            Thread.sleep(1200);
            assertThat(newestCycleId()).isEqualTo(before);
            // ...until its clock passes the next Monday 03:00 (UTC)
            clock.advance(Duration.ofDays(8));
            assertThat(scheduledCycle(before).getJsonObject("request").getString("scheduled"))
                    .isEqualTo("cron '0 3 * * 1' (UTC)");
        }
    }

    /** A clock that reads the real time plus an offset the test moves. */
    private static final class MovableClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        void advance(Duration by) {
            offset = offset.plus(by);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.now().plus(offset);
        }
    }

    @Test
    @Order(8)
    void aFullRlhfCycleTrainsRewardModelDpoKtoAndPpoAndGatesWithTheRewardModel() throws Exception {
        // Preferences: for each question, the first answer rated five stars, a regenerated one one star.
        TestClient user = kaizen.client().openChat();
        String[] prompts = {"Where is my invoice?", "How do I track my parcel?", "Can I pay by card?",
                "I was charged twice.", "How do I close my account?", "Is there a discount for students?"};
        for (String prompt : prompts) {
            String conversation = user.json("POST", "/api/conversations", new JsonObject()).getString("id");
            String good = user.stream("/api/conversations/" + conversation + "/messages",
                    new JsonObject().put("content", prompt)).first("start").data().getJsonArray("answers").getString(0);
            String bad = user.stream("/api/messages/" + good + "/regenerate", new JsonObject()).first("start").data()
                    .getJsonArray("answers").getString(0);
            user.json("PUT", "/api/messages/" + good + "/rating", new JsonObject().put("stars", 5));
            user.json("PUT", "/api/messages/" + bad + "/rating", new JsonObject().put("stars", 1));
        }
        HttpResponse<String> started = operator.send("POST", "/api/console/cycles", new JsonObject()
                .put("preset", "tiny").put("stages", new JsonArray().add("dataset").add("sft").add("reward_model")
                        .add("dpo").add("kto").add("ppo").add("rloo").add("grpo").add("evaluate"))
                .put("dataset", new JsonObject().put("evalFraction", 0.25)).encode());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        long id = new JsonObject(started.body()).getLong("id");

        JsonObject cycle = waitFor(id, ConsoleLifecycleTest::ended, 300);
        // a handful of held-out prompts (fewer than gate.min_prompts, 30 by default) can give no verdict
        assertThat(cycle.getString("status")).as(cycle.encode()).isEqualTo("no_verdict");
        JsonObject results = cycle.getJsonObject("stage_results");
        assertThat(results.getJsonObject("dataset").getInteger("preference_train")).isPositive();
        assertThat(results.getJsonObject("reward_model").getString("reward_model_dir")).isNotBlank();
        assertThat(results.getJsonObject("dpo").getInteger("steps")).isEqualTo(4);
        // the stars alone label the answers KTO learns from: five stars good, one star bad
        assertThat(results.getJsonObject("dataset").getInteger("thumbs_train")).isPositive();
        assertThat(results.getJsonObject("kto").getInteger("steps")).isEqualTo(4);
        assertThat(results.getJsonObject("ppo").getInteger("steps")).isEqualTo(2);
        // the critic-free methods train after PPO, each from the newest policy, two steps of the tiny preset
        assertThat(results.getJsonObject("rloo").getInteger("steps")).isEqualTo(2);
        assertThat(results.getJsonObject("grpo").getInteger("steps")).isEqualTo(2);
        assertThat(results.getJsonObject("grpo").getJsonObject("config").getString("loss_type")).isEqualTo("dapo");
        JsonObject gate = cycle.getJsonObject("gate_report");
        assertThat(gate.getJsonArray("checks")).extracting(c -> ((JsonObject) c).getString("name"))
                .contains("eval_loss", "response_length", "kl", "reward_score", "win_rate", "reward_model_pairs",
                        "reward_model_thumbs");
        assertThat(gate.getString("verdict")).isEqualTo("no_verdict");
        assertThat(gate.getString("reason")).startsWith("no verdict: too few held-out prompts (");
        // a reward model trained four steps on a few pairs is no judge: its win rate is shown, not counted
        assertThat(check(gate, "win_rate").getString("status")).isEqualTo("not_counted");
        assertThat(check(gate, "win_rate").getString("note")).contains("its win rate is reported but not counted");
        HttpResponse<String> refused = operator.send("POST", "/api/console/models/"
                + cycle.getLong("candidate_version_id") + "/promote", "");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("gave no verdict");
        // every stage's metrics reached the database, under the trainers' own names
        String events = operator.get("/api/console/cycles/" + id + "/events").body();
        assertThat(events).contains("\"stage\":\"reward_model\",\"step\":4,\"name\":\"accuracy\"")
                .contains("\"name\":\"rewards/margins\"").contains("\"name\":\"objective/kl\"")
                .contains("\"stage\":\"kto\"");
    }

    /**
     * What a cycle's charts draw under its own: per stage, the metrics of the newest earlier cycle that ran the
     * stage, with their steps and times; nothing for a stage no earlier cycle ran; clear errors for a missing or
     * unknown stage and an unknown cycle.
     */
    @Test
    @Order(9)
    void aCycleComparesEachStageWithTheNewestEarlierCycleThatRanIt() throws Exception {
        CycleRepository cycles = new CycleRepository(kaizen.sessions());
        long older = finishedCycle(cycles, Map.of("sft", 10.0, "dpo", 20.0));
        long previous = finishedCycle(cycles, Map.of("sft", 1.0));
        long current = finishedCycle(cycles, Map.of("sft", 5.0, "dpo", 7.0));

        JsonObject sft = operator.json("GET", "/api/console/cycles/" + current + "/previous-metrics?stage=sft",
                new JsonObject());
        assertThat(sft.getString("stage")).isEqualTo("sft");
        assertThat(sft.getLong("cycle_id")).isEqualTo(previous);
        List<JsonObject> metrics = sft.getJsonArray("metrics").stream().map(JsonObject.class::cast).toList();
        assertThat(metrics).extracting(m -> m.getInteger("step")).containsExactly(1, 2, 3);
        assertThat(metrics).extracting(m -> m.getDouble("value")).containsExactly(1.0, 1.5, 2.0);
        assertThat(metrics).allSatisfy(m -> {
            assertThat(m.getString("name")).isEqualTo("loss");
            assertThat(m.getString("stage")).isEqualTo("sft");
            assertThat(java.time.Instant.parse(m.getString("at"))).isBefore(java.time.Instant.now());
        });
        // the cycle just before ran no DPO: the one before it did
        JsonObject dpo = operator.json("GET", "/api/console/cycles/" + current + "/previous-metrics?stage=dpo",
                new JsonObject());
        assertThat(dpo.getLong("cycle_id")).isEqualTo(older);
        assertThat(dpo.getJsonArray("metrics").getJsonObject(0).getDouble("value")).isEqualTo(20.0);
        // no cycle ever ran the external stage
        JsonObject none = operator.json("GET", "/api/console/cycles/" + current
                + "/previous-metrics?stage=external", new JsonObject());
        assertThat(none.getValue("cycle_id")).isNull();
        assertThat(none.getJsonArray("metrics")).isEmpty();

        HttpResponse<String> missing = operator.send("GET", "/api/console/cycles/" + current + "/previous-metrics", "");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(missing.body()).getString("error")).contains("stage");
        HttpResponse<String> unknown = operator.send("GET", "/api/console/cycles/" + current
                + "/previous-metrics?stage=rlhf", "");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(unknown.body()).getString("error")).contains("unknown stage 'rlhf'");
        HttpResponse<String> noCycle = operator.send("GET", "/api/console/cycles/999999/previous-metrics?stage=sft", "");
        assertThat(noCycle.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(noCycle.body()).getString("error")).isEqualTo("no cycle 999999");
    }

    /** A cycle written straight to the database: a loss of base, base + 0.5, base + 1 at steps 1 to 3 per stage. */
    private static long finishedCycle(CycleRepository cycles, Map<String, Double> baseByStage) throws Exception {
        long id = await(cycles.create("{\"preset\":\"tiny\"}", "otto")).id();
        assertThat(await(cycles.claim(id))).isTrue();
        for (var stage : new java.util.TreeMap<>(baseByStage).entrySet()) {
            for (int step = 1; step <= 3; step++) {
                await(cycles.metrics(id, stage.getKey(), step, Map.of("loss", stage.getValue() + (step - 1) / 2.0)));
            }
        }
        assertThat(await(cycles.succeed(id, null, null))).isTrue();
        return id;
    }
}
