package ai.kaizen.server.lifecycle;

import ai.kaizen.db.account.Role;
import ai.kaizen.db.humaneval.BlindPair;
import ai.kaizen.db.humaneval.HumanEvalRepository;
import ai.kaizen.model.Fixtures;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.config.ConfigKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The evaluation gate's human step end to end, with the real stories260k model, the real database, real HTTP and a
 * real trainer process: a cycle whose candidate passes the automatic checks puts blind tasks on held-out prompts in
 * the reviewers' queue and awaits their votes; reviewers see the two answers without any sign of which model wrote
 * which, cannot vote twice on a task, and the N-th vote ends the cycle with the votes counted (here all of them for
 * the serving model, so the gate fails and auto_promote promotes nothing).
 */
class HumanEvaluationIT {

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "12",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
            ConfigKey.REVIEW_BUFFER, "0",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000",
            ConfigKey.CYCLE_HEARTBEAT_SECONDS, "1",
            ConfigKey.CYCLE_HEARTBEAT_TIMEOUT_SECONDS, "60"));

    static TestClient operator;
    static TestClient rita;
    static TestClient remy;

    @BeforeAll
    static void start() throws Exception {
        Accounts accounts = TestClient.accounts(kaizen.server());
        await(accounts.createUser("rita", Role.REVIEWER, "reviewer password"));
        await(accounts.createUser("remy", Role.REVIEWER, "reviewer password"));
        await(accounts.createUser("otto", Role.OPERATOR, "operator password"));
        operator = TestClient.signedIn(kaizen.port(), "otto", "operator password");
        rita = TestClient.signedIn(kaizen.port(), "rita", "reviewer password");
        remy = TestClient.signedIn(kaizen.port(), "remy", "reviewer password");
        kaizen.client().openChat().askAndRate(5, "Where is my order?", "I want a refund.",
                "How do I reset my password?", "Can I change my address?", "My parcel is late.",
                "Cancel my subscription.", "Do you ship abroad?", "The item arrived broken.", "Is there a warranty?",
                "Can I pay later?", "How do I contact you?", "My card was charged twice.");
    }

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

    private static JsonObject next(TestClient reviewer) throws Exception {
        return reviewer.json("GET", "/api/review/next?kind=compare", new JsonObject());
    }

    private static HttpResponse<String> vote(TestClient reviewer, String task, String choice) throws Exception {
        return reviewer.send("POST", "/api/review/compare/" + task + "/vote",
                new JsonObject().put("choice", choice).encode());
    }

    @Test
    void reviewersVoteBlindAndTheNthVoteEndsTheCycle() throws Exception {
        long serving = operator.json("GET", "/api/console/models", new JsonObject()).getLong("serving_version_id");
        HttpResponse<String> bad = operator.send("POST", "/api/console/cycles", new JsonObject().put("preset", "tiny")
                .put("gate", new JsonObject().put("human_votes", -2)).encode());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("gate.human_votes");

        // thresholds any candidate meets, so that the automatic checks pass and the reviewers decide
        HttpResponse<String> started = operator.send("POST", "/api/console/cycles", new JsonObject()
                .put("preset", "tiny").put("stages", new JsonArray().add("dataset").add("sft").add("evaluate"))
                .put("dataset", new JsonObject().put("evalFraction", 0.5)).put("eval_prompts", 8)
                .put("gate", new JsonObject().put("min_prompts", 1).put("max_eval_loss_increase", 100)
                        .put("max_length_ratio", 100).put("max_kl", 1e9).put("max_bad_answer_increase", 1)
                        .put("human_votes", 4).put("human_prompts", 2).put("human_max_new_tokens", 12))
                .put("auto_promote", true).encode());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        long id = new JsonObject(started.body()).getLong("id");
        assertThat(next(rita).getValue("task")).as("nothing to vote on before the gate ran").isNull();

        JsonObject cycle = waitFor(id, c -> !List.of("queued", "running").contains(c.getString("status")), 180);
        assertThat(cycle.getString("status")).as(cycle.encode()).isEqualTo("awaiting_human_eval");
        long candidate = cycle.getLong("candidate_version_id");
        JsonObject report = cycle.getJsonObject("gate_report");
        assertThat(report.getString("verdict")).isEqualTo("pending");
        assertThat(report.getString("automatic_verdict")).isEqualTo("pass");
        assertThat(report.getJsonObject("human_evaluation").getInteger("votes_required")).isEqualTo(4);
        assertThat(report.getJsonObject("human_evaluation").getInteger("prompts")).isEqualTo(2);
        // a candidate the gate has not finished judging is not promoted without an override
        assertThat(operator.json("GET", "/api/console/models", new JsonObject()).getJsonArray("versions").stream()
                .map(JsonObject.class::cast).filter(v -> v.getLong("id") == candidate).findFirst().orElseThrow()
                .getString("gate")).isEqualTo("pending");
        HttpResponse<String> promote = operator.send("POST", "/api/console/models/" + candidate + "/promote", "");
        assertThat(promote.statusCode()).isEqualTo(409);
        assertThat(promote.body()).contains("has not given its verdict");

        // The tasks: held-out prompts only, each with the two models' answers on a side drawn per task.
        List<BlindPair> pairs = await(new HumanEvalRepository(kaizen.sessions()).pairs(id));
        assertThat(pairs).hasSize(2);
        Path datasetDir = Path.of(cycle.getJsonObject("stage_results").getJsonObject("dataset").getString("dir"));
        String heldOut = Files.readString(datasetDir.resolve("eval.jsonl"));
        String trained = Files.readString(datasetDir.resolve("train.jsonl"));
        for (BlindPair pair : pairs) {
            JsonArray messages = new JsonObject(pair.historyJson()).getJsonArray("messages");
            String prompt = messages.getJsonObject(messages.size() - 1).getString("content");
            assertThat(heldOut).contains("\"" + prompt + "\"");
            assertThat(trained).doesNotContain("\"" + prompt + "\"");
        }

        // Blind: what a reviewer gets names no model, version, cycle or side.
        JsonObject first = next(rita).getJsonObject("task");
        assertThat(first.fieldNames()).containsExactlyInAnyOrder("kind", "task_id", "system_prompt", "history",
                "answers");
        assertThat(first.getJsonArray("answers").stream().map(a -> ((JsonObject) a).fieldNames()))
                .allSatisfy(fields -> assertThat(fields).containsExactlyInAnyOrder("key", "content"));
        String label = operator.json("GET", "/api/console/models", new JsonObject()).getJsonArray("versions").stream()
                .map(JsonObject.class::cast).filter(v -> v.getLong("id") == candidate).findFirst().orElseThrow()
                .getString("label");
        assertThat(first.encode()).doesNotContain(label, "cycle-" + id, "candidate_side");
        BlindPair firstPair = pairOf(pairs, first.getString("task_id"));
        assertThat(first.getJsonArray("answers").getJsonObject(0).getString("content")).isEqualTo(firstPair.answerA());

        assertThat(vote(rita, first.getString("task_id"), "maybe").statusCode()).isEqualTo(400);
        assertThat(vote(rita, "not-a-task", "a").statusCode()).isEqualTo(400);
        // every vote goes to the serving model's side
        assertThat(vote(rita, first.getString("task_id"), servingSide(firstPair)).statusCode()).isEqualTo(200);
        HttpResponse<String> again = vote(rita, first.getString("task_id"), candidateSide(firstPair));
        assertThat(again.statusCode()).as("no second vote on a task").isEqualTo(409);
        assertThat(again.body()).contains("already voted");

        JsonObject second = next(rita).getJsonObject("task");
        assertThat(second.getString("task_id")).isNotEqualTo(first.getString("task_id"));
        assertThat(vote(rita, second.getString("task_id"), servingSide(pairOf(pairs, second.getString("task_id"))))
                .statusCode()).isEqualTo(200);
        assertThat(next(rita).getValue("task")).as("rita voted on both").isNull();

        for (int i = 0; i < 2; i++) {
            JsonObject task = next(remy).getJsonObject("task");
            if (i == 1) {
                JsonObject waiting = operator.json("GET", "/api/console/cycles/" + id, new JsonObject());
                assertThat(waiting.getString("status")).isEqualTo("awaiting_human_eval");
                JsonObject progress = waiting.getJsonObject("gate_report").getJsonObject("human_evaluation");
                assertThat(progress.getInteger("votes")).isEqualTo(3);
                assertThat(progress.containsKey("serving_wins")).as("no peeking before the votes count").isFalse();
            }
            assertThat(vote(remy, task.getString("task_id"), servingSide(pairOf(pairs, task.getString("task_id"))))
                    .statusCode()).isEqualTo(200);
        }

        // The fourth vote ended the cycle: 0 of 4 for the candidate is [0.00, 0.49], below 0.5.
        JsonObject ended = operator.json("GET", "/api/console/cycles/" + id, new JsonObject());
        assertThat(ended.getString("status")).as(ended.encode()).isEqualTo("gate_failed");
        JsonObject gate = ended.getJsonObject("gate_report");
        assertThat(gate.getString("verdict")).isEqualTo("fail");
        assertThat(gate.getString("reason")).startsWith("failed: human_preference (reviewers prefer the serving model");
        JsonObject human = gate.getJsonObject("human_evaluation");
        assertThat(human.getInteger("serving_wins")).isEqualTo(4);
        assertThat(human.getInteger("candidate_wins")).isZero();
        assertThat(human.getJsonArray("win_rate_ci").getDouble(1)).isLessThan(0.5);
        assertThat(operator.json("GET", "/api/console/models", new JsonObject()).getLong("serving_version_id"))
                .as("auto_promote promotes no candidate the reviewers failed").isEqualTo(serving);
        String log = operator.get("/api/console/cycles/" + id + "/events").body();
        assertThat(log).contains("not promoted, the gate did not pass").contains("event: end");

        // a closed comparison takes no more votes, and the queue is empty
        JsonObject otto = next(operator);
        assertThat(otto.getValue("task")).isNull();
        assertThat(vote(operator, first.getString("task_id"), "a").statusCode()).isEqualTo(409);

        // the audit trail: who voted what, and for which model
        JsonArray votes = operator.json("GET", "/api/console/cycles/" + id + "/human-votes", new JsonObject())
                .getJsonArray("votes");
        assertThat(votes).hasSize(4);
        assertThat(votes.stream().map(v -> ((JsonObject) v).getString("for")).distinct().toList())
                .containsExactly("serving");
        assertThat(votes.stream().map(v -> ((JsonObject) v).getString("reviewer")).distinct().count()).isEqualTo(2);
        assertThat(rita.get("/api/console/cycles/" + id + "/human-votes").statusCode())
                .as("operators only").isEqualTo(403);
        assertThat(rita.get("/api/review/last?kind=compare").statusCode()).isEqualTo(400);
    }

    private static BlindPair pairOf(List<BlindPair> pairs, String taskId) {
        return pairs.stream().filter(p -> p.id().toString().equals(taskId)).findFirst().orElseThrow();
    }

    private static String servingSide(BlindPair pair) {
        return pair.candidateSide().equals("a") ? "b" : "a";
    }

    private static String candidateSide(BlindPair pair) {
        return pair.candidateSide();
    }
}
