package ai.kaizen.server.review;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.account.Role;
import ai.kaizen.db.account.UserRepository;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.db.humaneval.BlindPair;
import ai.kaizen.db.humaneval.HumanEvalRepository;
import ai.kaizen.db.humaneval.HumanEvaluation;
import ai.kaizen.db.humaneval.Vote;
import ai.kaizen.db.humaneval.VoteCounts;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.review.Labels;
import ai.kaizen.db.review.Ranking;
import ai.kaizen.db.review.ReviewRepository;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.db.review.ReviewWork;
import ai.kaizen.server.Browsers;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.trainer.cycle.HumanPreference;
import ai.kaizen.trainer.dataset.Dataset;
import ai.kaizen.trainer.dataset.DatasetBuilder;
import ai.kaizen.trainer.dataset.DatasetParameters;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.RankedAnswers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The review page in headless Chromium, keyboard only (no element is ever clicked): a reviewer signs in, ranks
 * ten tasks in a row (the first with a tie and an unacceptable flag), reloads mid-task and finds the draft, and
 * the database then holds each full ordering and the trainer derives the expected pairs. The median time per task
 * is printed and written to {@code target/review-timing.txt}.
 */
class ReviewPageBrowserIT {

    @RegisterExtension
    @Order(1) // no server is started where the browser is missing
    static final Browsers browsers = new Browsers();
    /** Tasks ranked in a row: 10, or {@code -Dreview.browser.tasks=100} for the "100 without the mouse" run. */
    private static final int TASKS = Integer.getInteger("review.browser.tasks", 10);

    @RegisterExtension
    @Order(2)
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "24",
            ConfigKey.REVIEW_CANDIDATES, "3",
            ConfigKey.REVIEW_OVERLAP, "1",
            ConfigKey.REVIEW_BUFFER, String.valueOf(TASKS + 2)));

    private ChromeDriver browser;
    private WebDriverWait wait;

    @BeforeAll
    static void start() throws Exception {
        await(TestClient.accounts(kaizen.server()).createUser("rita", Role.REVIEWER, "correct horse battery"));
        // Users' traffic: questions and the answers they saw (fixtures); the model samples the other candidates.
        ConversationRepository conversations = new ConversationRepository(kaizen.sessions());
        for (int i = 0; i < TASKS + 2; i++) {
            Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), "session:user" + i,
                    "t", "You help customers.")));
            Message q = Message.written(c.id(), null, Message.Author.user, "Once upon a time, customer " + i);
            Message a = Message.answer(UUID.randomUUID(), c.id(), q.id(), "The answer customer " + i + " saw.",
                    new Message.Generation("fixture", "{}", 8, 6, 5, 1, "stop"));
            await(conversations.append(c.id(), List.of(q, a), a.id()));
        }
        // the reviewer's time is measured, not the model's: wait until the background generator has them ready
        ReviewRepository reviews = new ReviewRepository(kaizen.sessions());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120 + 2L * TASKS);
        while (await(reviews.openTasks(ReviewTask.Kind.RANK)) < TASKS + 2 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(await(reviews.openTasks(ReviewTask.Kind.RANK))).isEqualTo(TASKS + 2);
    }

    @BeforeEach
    void openBrowser(@TempDir Path profile) {
        browser = browsers.open(profile, 1300, 900);
        wait = new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(10));
    }

    /**
     * Opens the sign-in page on its way to {@code next} and signs in as a person at the keyboard does: the name field
     * has the focus, type, Tab to the password, Enter. Typing waits for that focus, which the page gives once it has
     * rendered, a moment after it has loaded on a busy machine (keys sent before then went nowhere).
     */
    private void signInWithTheKeyboard(String next, String name) {
        browser.get("http://127.0.0.1:" + kaizen.port() + "/login?next=" + next);
        wait.until(d -> "name".equals(d.switchTo().activeElement().getAttribute("name")));
        type(name, Keys.TAB, "correct horse battery", Keys.ENTER);
    }

    /** Types into whatever has the focus, as a person at the keyboard does. */
    private void type(CharSequence... keys) {
        new Actions(browser).sendKeys(keys).perform();
    }

    private String shownWork() {
        WebElement task = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("task")));
        return task.getAttribute("data-work-id");
    }

    private String awaitNextWork(String previous) {
        wait.until(d -> {
            String id = d.findElement(By.id("task")).getAttribute("data-work-id");
            return d.findElement(By.id("task")).isDisplayed() && id != null && !id.equals(previous)
                    || d.findElement(By.id("empty")).isDisplayed();
        });
        return browser.findElement(By.id("task")).getAttribute("data-work-id");
    }

    @Test
    void rankTenTasksWithTheKeyboardAlone() throws Exception {
        signInWithTheKeyboard("/review", "rita");
        String work = shownWork();
        assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("task");
        assertThat(browser.findElement(By.cssSelector(".shortcuts")).getText()).contains("Enter", "skip", "edit");

        // a draft survives a reload: place answer 2 first, reload, the order is still there
        type("2");
        Thread.sleep(800); // the page saves drafts 400 ms after the last key
        browser.navigate().refresh();
        assertThat(shownWork()).isEqualTo(work);
        wait.until(ExpectedConditions.textToBe(By.id("order"), "2"));
        type(Keys.BACK_SPACE);
        wait.until(ExpectedConditions.textToBe(By.id("order"), "nothing yet"));

        Map<Long, String> keysByWork = new LinkedHashMap<>();
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            long started = System.nanoTime();
            // the first: 3 best, then 1 tied with 2, and 2 flagged unacceptable; the rest: 2 > 1 > 3
            String keys = i == 0 ? "31=2x2" : "213";
            type(keys);
            if (i == 0) {
                wait.until(ExpectedConditions.textToBe(By.id("order"), "3 > 1 = 2✗"));
                Browsers.screenshot(browser, "review-ranked");
            }
            type(Keys.ENTER);
            keysByWork.put(Long.parseLong(work), keys);
            String next = awaitNextWork(work);
            seconds.add((System.nanoTime() - started) / 1e9);
            // after submit the next task has the focus: the next keys go straight to it
            assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("task");
            work = next;
        }
        double median = Agreement.median(seconds).getAsDouble();
        String line = String.format(java.util.Locale.ROOT, "review browser test: %d tasks, median %.3f s per task, "
                + "all %s", TASKS, median, seconds.stream().map(s -> String.format(java.util.Locale.ROOT, "%.3f", s)).toList());
        System.out.println(line);
        Files.writeString(Path.of("target", "review-timing.txt"), line + System.lineSeparator());

        // the stored orderings are what was typed (key n is the n-th candidate shown)
        ReviewRepository reviews = new ReviewRepository(kaizen.sessions());
        for (Map.Entry<Long, String> typed : keysByWork.entrySet()) {
            ReviewWork stored = await(reviews.work(typed.getKey(), "user:" + userId()));
            List<UUID> shown = stored.task().candidateIds();
            Ranking ranking = stored.assignment().ranking().orElseThrow();
            if (typed.getValue().equals("213")) {
                assertThat(ranking.entries()).containsExactly(new Ranking.Entry(shown.get(1), 1, false),
                        new Ranking.Entry(shown.get(0), 2, false), new Ranking.Entry(shown.get(2), 3, false));
            } else {
                assertThat(ranking.entries()).containsExactlyInAnyOrder(new Ranking.Entry(shown.get(2), 1, false),
                        new Ranking.Entry(shown.get(0), 2, false), new Ranking.Entry(shown.get(1), 2, true));
            }
            assertThat(stored.assignment().seconds()).isPresent();
        }

        // the trainer reads them as preference pairs: three per task
        Dataset<PreferenceExample> pairs = await(new DatasetBuilder(kaizen.sessions(),
                List.of(new RankedAnswers())).buildPreferences(Instant.now(), new DatasetParameters(4, 1.0, 0, 0, true)));
        assertThat(pairs.train()).hasSize(3 * TASKS);
        long firstWork = keysByWork.keySet().iterator().next();
        ReviewWork first = await(reviews.work(firstWork, "user:" + userId()));
        ConversationRepository conversations = new ConversationRepository(kaizen.sessions());
        List<Message> messages = await(conversations.messages(conversationOf(first.task().promptMessageId())));
        Map<UUID, String> text = new java.util.HashMap<>();
        messages.forEach(m -> text.put(m.id(), m.content()));
        List<UUID> c = first.task().candidateIds();
        assertThat(pairs.train()).filteredOn(p -> p.provenance().ids().contains(String.valueOf(firstWork)))
                .extracting(PreferenceExample::chosen, PreferenceExample::rejected)
                .containsExactlyInAnyOrder(tuple(text.get(c.get(2)), text.get(c.get(0))),
                        tuple(text.get(c.get(2)), text.get(c.get(1))), tuple(text.get(c.get(0)), text.get(c.get(1))));

        // A opens the agreement view: a reviewer sees their own throughput
        type("a");
        WebElement own = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#reviewers tbody tr")));
        assertThat(own.getText()).startsWith("rita " + TASKS + " ");
        assertThat(browser.findElements(By.cssSelector("#reviewers tbody tr"))).hasSize(1);
        assertThat(browser.findElement(By.id("overall")).isDisplayed()).isFalse();
    }

    private static long userId() throws Exception {
        return await(new UserRepository(kaizen.sessions()).findByName("rita")).orElseThrow().id();
    }

    private static UUID conversationOf(UUID messageId) throws Exception {
        return await(kaizen.sessions().withSession(s -> s.find(Message.class, messageId))).conversationId();
    }

    @Test
    void writeIdealAnswersWithTheKeyboard() throws Exception {
        signInWithTheKeyboard("/review?kind=ideal", "rita");
        String work = shownWork();
        // the box has the focus and holds the answer the user saw, to fix or replace
        WebElement box = browser.switchTo().activeElement();
        assertThat(box.getAttribute("id")).isEqualTo("ideal");
        assertThat(box.getAttribute("value")).startsWith("The answer customer");
        new Actions(browser).keyDown(Keys.CONTROL).sendKeys("a").keyUp(Keys.CONTROL)
                .sendKeys("Thank you for waiting: your parcel ships today.")
                .keyDown(Keys.CONTROL).sendKeys(Keys.ENTER).keyUp(Keys.CONTROL).perform();
        String next = awaitNextWork(work);
        assertThat(next).isNotEqualTo(work);
        assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("ideal");

        ReviewWork stored = await(new ReviewRepository(kaizen.sessions()).work(Long.parseLong(work),
                "user:" + userId()));
        Message ideal = await(kaizen.sessions().withSession(s -> s.find(Message.class,
                stored.assignment().idealMessageId().orElseThrow())));
        assertThat(ideal.content()).isEqualTo("Thank you for waiting: your parcel ships today.");
        assertThat(ideal.parentId()).isEqualTo(stored.task().promptMessageId());
        assertThat(ideal.modelVersion()).isNull();
        assertThat(ideal.reviewOnly()).as("never one of the user's branches").isTrue();
    }

    @Test
    void labelAnAnswerWithTheKeyboard() throws Exception {
        signInWithTheKeyboard("/review?kind=label", "rita");
        String work = shownWork();
        // helpfulness 4, correctness 5, tone 3 (each number moves on to the next scale), flag unsafe, submit
        type("453u");
        wait.until(ExpectedConditions.attributeContains(By.cssSelector(".flag[data-flag=unsafe]"), "class", "on"));
        type(Keys.ENTER);
        assertThat(awaitNextWork(work)).isNotEqualTo(work);
        Labels labels = await(new ReviewRepository(kaizen.sessions()).work(Long.parseLong(work),
                "user:" + userId())).assignment().labels().orElseThrow();
        assertThat(labels.scales()).containsEntry(Labels.Scale.HELPFULNESS, 4).containsEntry(Labels.Scale.CORRECTNESS, 5)
                .containsEntry(Labels.Scale.TONE, 3);
        assertThat(labels.flags()).containsExactly(Labels.Flag.UNSAFE);
    }

    /**
     * The evaluation gate's blind comparisons, keyboard only: A, B, T pick a verdict (A is not the agreement view
     * here), Enter casts it and the next task comes with the focus; the third vote is the last the cycle asked for,
     * so it ends and the queue is empty.
     */
    @Test
    void voteOnBlindComparisonsWithTheKeyboard() throws Exception {
        var sessions = kaizen.sessions();
        CycleRepository cycles = new CycleRepository(sessions);
        long serving = await(new ModelRegistry(sessions).serving()).orElseThrow().id();
        long cycle = await(cycles.create(new JsonObject().put("preset", "tiny").encode(), "test")).id();
        assertThat(await(cycles.claim(cycle))).isTrue();
        // as the trainer's evaluate stage leaves it: three tasks, the candidate on sides a, b, a
        List<BlindPair> pairs = new ArrayList<>();
        String[] sides = {"a", "b", "a"};
        for (int i = 0; i < sides.length; i++) {
            pairs.add(new BlindPair(UUID.randomUUID(), cycle, i, "You help customers.", new JsonObject()
                    .put("messages", new JsonArray().add(new JsonObject().put("role", "user")
                            .put("content", "Held-out question " + i))).encode(),
                    "First answer " + i, "Second answer " + i, sides[i]));
        }
        Instant expires = Instant.now().plusSeconds(3600);
        await(new HumanEvalRepository(sessions).create(new HumanEvaluation(cycle, serving, serving, 3, Instant.now(),
                expires), pairs));
        JsonObject automatic = new JsonObject().put("verdict", "pass").put("passed", true)
                .put("reason", "passed: every counted check passed on 3 held-out prompts").put("checks", new JsonArray());
        assertThat(await(cycles.awaitHumanEvaluation(cycle, serving,
                HumanPreference.pending(automatic, VoteCounts.NONE, 3, expires, 3).encode()))).isTrue();

        signInWithTheKeyboard("/review?kind=compare", "rita");
        String task = shownWork();
        assertThat(task).isEqualTo(pairs.get(0).id().toString());
        assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("task");
        assertThat(browser.findElement(By.cssSelector(".shortcuts")).getText()).contains("A is better", "tie",
                "both are bad");
        assertThat(browser.findElement(By.id("candidates")).getText()).contains("First answer 0", "Second answer 0");

        type(Keys.ENTER);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "Pick a verdict first"));
        type("t");
        wait.until(ExpectedConditions.textToBe(By.id("verdict"), "Tie"));
        type("a"); // changes the verdict, and stays on the page
        wait.until(ExpectedConditions.textToBe(By.id("verdict"), "A is better"));
        assertThat(browser.getCurrentUrl()).endsWith("/review?kind=compare");
        Browsers.screenshot(browser, "review-compare");
        String[] keys = {"a", "b", "t"};
        for (int i = 0; i < keys.length; i++) {
            if (i > 0) {
                type(keys[i]);
            }
            type(Keys.ENTER);
            task = awaitNextWork(task);
            if (i < keys.length - 1) {
                assertThat(task).isEqualTo(pairs.get(i + 1).id().toString());
                assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("task");
                assertThat(browser.findElement(By.id("verdict")).getText()).isEqualTo("none yet");
            }
        }
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("empty")));
        assertThat(browser.findElement(By.id("empty")).getText()).contains("No comparison awaits your vote");

        // the votes as typed, and the cycle counted them: 2 wins and a tie is 0.83, so the gate passed
        List<Vote> votes = await(new HumanEvalRepository(sessions).votes(cycle));
        assertThat(votes).extracting(Vote::position, Vote::choice, Vote::reviewer).containsExactly(
                tuple(0, "a", "user:" + userId()), tuple(1, "b", "user:" + userId()),
                tuple(2, "tie", "user:" + userId()));
        TrainingCycle ended = await(cycles.find(cycle)).orElseThrow();
        assertThat(ended.status()).isEqualTo(TrainingCycle.Status.succeeded);
        JsonObject human = new JsonObject(ended.gateReport()).getJsonObject("human_evaluation");
        assertThat(human.getInteger("candidate_wins")).isEqualTo(2);
        assertThat(human.getInteger("ties")).isEqualTo(1);
    }

    /**
     * What the page says around the work, for a reviewer new to it: each mode's heading, the guidelines (ranking
     * only), the count of what is left, the "You" panel counting every kind of work with its plural, and the empty
     * states (no comparison waiting; agreement that cannot be computed yet).
     */
    @Test
    void headingsCountsAndEmptyStatesSaySomething() throws Exception {
        await(TestClient.accounts(kaizen.server()).createUser("sam", Role.REVIEWER, "correct horse battery"));
        signInWithTheKeyboard("/review?kind=label", "sam");
        String work = shownWork();
        assertThat(browser.findElement(By.id("mode-title")).getText()).isEqualTo("Label the answer");
        assertThat(browser.findElements(By.cssSelector(".guidelines"))).isEmpty();
        wait.until(ExpectedConditions.textMatches(By.id("remaining"), java.util.regex.Pattern.compile(
                "^\\d+ tasks? left for you in this mode\\.$")));
        wait.until(ExpectedConditions.textToBe(By.id("mine-text"), "Nothing submitted yet."));

        type("453", Keys.ENTER);
        work = awaitNextWork(work);
        wait.until(ExpectedConditions.textToBe(By.id("mine-text"), "1 task done: 1 label."));

        browser.get("http://127.0.0.1:" + kaizen.port() + "/review?kind=rank");
        work = shownWork();
        assertThat(browser.findElement(By.id("mode-title")).getText()).isEqualTo("Rank the answers");
        assertThat(browser.findElement(By.cssSelector(".guidelines")).isDisplayed()).isTrue();
        type("123", Keys.ENTER);
        awaitNextWork(work);
        wait.until(d -> d.findElement(By.id("mine-text")).getText().startsWith("2 tasks done: 1 ranking, 1 label."));
        // one reviewer per task (review.overlap 1): nobody to agree with, and the panel says so
        assertThat(browser.findElement(By.id("mine-text")).getText()).contains("Agreement with the majority: not yet");

        browser.get("http://127.0.0.1:" + kaizen.port() + "/review?kind=ideal");
        shownWork();
        assertThat(browser.findElement(By.id("mode-title")).getText()).isEqualTo("Write the ideal answer");

        // no evaluation waits for votes: the compare mode says there is nothing, and why
        browser.get("http://127.0.0.1:" + kaizen.port() + "/review?kind=compare");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("empty")));
        assertThat(browser.findElement(By.id("mode-title")).getText()).isEqualTo("Which answer is better?");
        assertThat(browser.findElement(By.id("empty")).getText()).contains("No tasks left for you.",
                "No comparison awaits your vote");
        wait.until(ExpectedConditions.textToBe(By.id("remaining"), "No tasks left for you in this mode."));

        browser.get("http://127.0.0.1:" + kaizen.port() + "/review/agreement");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("agreement-note")));
        assertThat(browser.findElement(By.id("agreement-note")).getText())
                .startsWith("Nobody else has ranked the tasks you ranked yet");
    }
}
