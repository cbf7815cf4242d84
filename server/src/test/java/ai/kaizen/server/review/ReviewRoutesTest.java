package ai.kaizen.server.review;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.account.Role;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.config.ConfigKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The review API over real HTTP, with the real stories260k model generating candidates in the background and the
 * real PostgreSQL: role checks, the queue rules end to end (overlap 2, no repeats, skip, drafts), bad input.
 * One user conversation is the only traffic, so there is exactly one ranking task.
 */
class ReviewRoutesTest {

    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    private static final Pattern CSRF_META = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"");

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "16",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
            ConfigKey.REVIEW_CANDIDATES, "3",
            ConfigKey.REVIEW_BUFFER, "5"));

    static String shownAnswer;

    @BeforeAll
    static void start() throws Exception {
        Accounts accounts = TestClient.accounts(kaizen.server());
        for (String name : List.of("ann", "bob", "cid")) {
            await(accounts.createUser(name, Role.REVIEWER, "correct horse battery"));
        }
        await(accounts.createUser("olga", Role.OPERATOR, "correct horse battery"));

        TestClient user = kaizen.client().openChat();
        String conversation = user.json("POST", "/api/conversations", new JsonObject()).getString("id");
        TestClient.Stream answer = user.stream("/api/conversations/" + conversation + "/messages",
                new JsonObject().put("content", "Once upon a time"));
        shownAnswer = answer.first("done").data().getString("message_id");
        user.json("PUT", "/api/messages/" + shownAnswer + "/rating", new JsonObject().put("thumbs", -1));
    }

    /** A browser-like client signed in as {@code name}, with the review page's CSRF token. */
    static TestClient signIn(String name) throws Exception {
        TestClient c = kaizen.client();
        Matcher field = CSRF_FIELD.matcher(c.get("/login").body());
        assertThat(field.find()).isTrue();
        HttpResponse<String> login = c.postForm("/login", "name=" + name + "&password="
                + URLEncoder.encode("correct horse battery", StandardCharsets.UTF_8) + "&next=%2Freview&_csrf=" + field.group(1));
        assertThat(login.statusCode()).isEqualTo(303);
        Matcher meta = CSRF_META.matcher(c.get("/review").body());
        assertThat(meta.find()).isTrue();
        c.useCsrf(meta.group(1));
        return c;
    }

    /** The next task, waiting (up to a minute) for the background generator to prepare the only one. */
    static JsonObject nextTask(TestClient c) throws Exception {
        return new JsonObject(c.get("/api/review/next").body()).getJsonObject("task");
    }

    static JsonObject awaitTask(TestClient c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            JsonObject task = nextTask(c);
            if (task != null) {
                return task;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no review task within a minute");
    }

    static JsonArray rankingInShownOrder(JsonObject task) {
        JsonArray ranking = new JsonArray();
        JsonArray candidates = task.getJsonArray("candidates");
        for (int i = 0; i < candidates.size(); i++) {
            ranking.add(new JsonObject().put("message_id", candidates.getJsonObject(i).getString("message_id"))
                    .put("rank", i + 1).put("unacceptable", false));
        }
        return ranking;
    }

    @Test
    void onlyReviewersAndOperatorsGetIn() throws Exception {
        TestClient anonymous = kaizen.client().openChat();
        assertThat(anonymous.get("/api/review/next").statusCode()).isEqualTo(401);
        assertThat(anonymous.send("POST", "/api/review/work/1/skip", "{\"reason\":\"x\"}").statusCode()).isEqualTo(401);
        assertThat(new JsonObject(anonymous.get("/api/review/next").body()).getString("error")).contains("reviewer");
        assertThat(anonymous.get("/review").statusCode()).isEqualTo(401);
        assertThat(anonymous.get("/review/agreement").statusCode()).isEqualTo(401);
        assertThat(signIn("ann").get("/api/review/next?kind=everything").statusCode()).isEqualTo(400);
    }

    @Test
    void theQueueEndToEnd() throws Exception {
        TestClient ann = signIn("ann");
        TestClient bob = signIn("bob");
        TestClient cid = signIn("cid");
        TestClient olga = signIn("olga");

        // the generator made the task in the background: the answer the user saw and two new samples
        JsonObject task = awaitTask(ann);
        assertThat(task.getString("priority")).isEqualTo("disliked");
        assertThat(task.getJsonArray("history").getJsonObject(0).getString("content")).isEqualTo("Once upon a time");
        JsonArray candidates = task.getJsonArray("candidates");
        assertThat(candidates).hasSize(3);
        assertThat(candidates.stream().map(c -> ((JsonObject) c).getString("message_id"))).contains(shownAnswer);
        long annWork = task.getLong("work_id");

        // a draft survives a reload
        ann.json("PUT", "/api/review/work/" + annWork + "/draft", new JsonObject().put("draft",
                new JsonObject().put("groups", new JsonArray().add(new JsonArray().add(shownAnswer)))));
        assertThat(nextTask(ann).getJsonObject("draft").encode()).contains(shownAnswer);

        // bad input: 4xx with a message, never a stack trace
        HttpResponse<String> partial = ann.send("POST", "/api/review/work/" + annWork + "/ranking",
                new JsonObject().put("ranking", new JsonArray().add(rankingInShownOrder(task).getJsonObject(0))).encode());
        assertThat(partial.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(partial.body()).getString("error")).contains("every candidate");
        assertThat(ann.send("POST", "/api/review/work/" + annWork + "/ranking", "{\"ranking\": 3}").statusCode()).isEqualTo(400);
        assertThat(ann.send("POST", "/api/review/work/abc/ranking", "{}").statusCode()).isEqualTo(400);
        assertThat(ann.send("POST", "/api/review/work/" + annWork + "/skip", "{\"reason\": \"\"}").statusCode()).isEqualTo(400);
        assertThat(bob.send("POST", "/api/review/work/" + annWork + "/ranking",
                new JsonObject().put("ranking", rankingInShownOrder(task)).encode()).statusCode()).isEqualTo(404);

        JsonObject submitted = ann.json("POST", "/api/review/work/" + annWork + "/ranking",
                new JsonObject().put("ranking", rankingInShownOrder(task)));
        assertThat(submitted.getInteger("pairs")).isEqualTo(3);
        // no repeats: ann has nothing left (one conversation, one task)
        assertThat(nextTask(ann)).isNull();
        assertThat(new JsonObject(ann.get("/api/review/last").body()).getJsonObject("task").getLong("work_id"))
                .isEqualTo(annWork);

        // overlap 2: bob gets it too; while bob holds it, cid gets nothing
        JsonObject bobs = nextTask(bob);
        assertThat(bobs.getString("task_id")).isEqualTo(task.getString("task_id"));
        assertThat(nextTask(cid)).isNull();
        // bob skips: the place goes to cid, and bob never sees it again
        bob.json("POST", "/api/review/work/" + bobs.getLong("work_id") + "/skip", new JsonObject().put("reason", "not English"));
        assertThat(nextTask(bob)).isNull();
        JsonObject cids = nextTask(cid);
        assertThat(cids.getString("task_id")).isEqualTo(task.getString("task_id"));
        JsonArray reversed = rankingInShownOrder(task);
        for (int i = 0; i < reversed.size(); i++) {
            reversed.getJsonObject(i).put("rank", reversed.size() - i);
        }
        cid.json("POST", "/api/review/work/" + cids.getLong("work_id") + "/ranking", new JsonObject().put("ranking", reversed));
        // both places taken: the operator gets nothing
        assertThat(nextTask(olga)).isNull();

        // agreement: a reviewer sees their own row only, an operator everyone and the overall figures
        JsonObject own = new JsonObject(ann.get("/api/review/agreement").body());
        assertThat(own.containsKey("overall")).isFalse();
        assertThat(own.getJsonArray("reviewers")).hasSize(1);
        assertThat(own.getJsonArray("reviewers").getJsonObject(0).getString("name")).isEqualTo("ann");
        JsonObject all = new JsonObject(olga.get("/api/review/agreement").body());
        assertThat(all.getJsonArray("reviewers")).hasSize(2);
        // ann and cid ranked three answers in opposite orders: every comparison disagrees
        assertThat(all.getJsonObject("overall").getDouble("pairwise")).isZero();
        assertThat(all.getJsonObject("overall").getDouble("alpha")).isNegative();
        assertThat(all.getJsonArray("most_disputed").getJsonObject(0).getString("task_id")).isEqualTo(task.getString("task_id"));
        assertThat(olga.get("/review/agreement").body()).contains("Most disagreement", "/static/agreement.js");
        assertThat(ann.get("/review/agreement").body()).contains("You see your own figures");
    }
}
