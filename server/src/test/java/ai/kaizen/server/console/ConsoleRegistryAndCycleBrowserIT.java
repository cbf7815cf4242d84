package ai.kaizen.server.console;

import ai.kaizen.db.account.Role;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.model.Fixtures;
import ai.kaizen.server.Browsers;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in headless Chromium on what a cycle and the registry leave behind, written straight to the database
 * so that no trainer has to run: a finished cycle reads "done" with a full bar and one chart panel per stage for
 * metrics several stages share; promote and rollback ask first, and rollback walks back through the promotions.
 */
class ConsoleRegistryAndCycleBrowserIT {

    @RegisterExtension
    @Order(1) // no server is started where the browser is missing
    static final Browsers browsers = new Browsers();

    @RegisterExtension
    @Order(2)
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0"));

    @BeforeAll
    static void start() throws Exception {
        await(TestClient.accounts(kaizen.server()).createUser("otto", Role.OPERATOR, "operator password"));
    }

    @Test
    void aFinishedCycleReadsDoneWithOneChartPerStage(@TempDir Path profile) throws Exception {
        CycleRepository cycles = new CycleRepository(kaizen.sessions());
        long id = await(cycles.create("{\"preset\":\"tiny\"}", "otto")).id();
        assertThat(await(cycles.claim(id))).isTrue();
        // SFT, the reward model and DPO each log a "loss" over their own steps
        for (String stage : List.of("sft", "reward_model", "dpo")) {
            for (int step = 1; step <= 4; step++) {
                await(cycles.heartbeat(id, stage, step, 4));
                await(cycles.metrics(id, stage, step, Map.of("loss", stage.length() + 1.0 / step)));
            }
        }
        // the last stage's counter is where the trainer left it: 0 of 3
        await(cycles.heartbeat(id, "evaluate", 0, 3));
        assertThat(await(cycles.succeed(id, null, null))).isTrue();

        ChromeDriver browser = browsers.open(profile, 1200, 1600);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        Browsers.signIn(browser, wait, kaizen.server(), "/console/cycles/" + id, "otto", "operator password");
        wait.until(d -> d.findElement(By.id("status")).getText().equals("succeeded"));
        wait.until(d -> d.findElements(By.cssSelector(".chart-panel .uplot canvas")).size() == 3);
        assertThat(browser.findElement(By.id("step")).getText()).isEqualTo("done");
        WebElement progress = browser.findElement(By.id("progress"));
        assertThat(progress.getAttribute("value")).isEqualTo(progress.getAttribute("max"));
        List<WebElement> panels = browser.findElements(By.cssSelector(".chart-panel"));
        assertThat(panels).extracting(c -> c.getAttribute("data-stage"))
                .containsExactly("sft", "reward_model", "dpo");
        assertThat(panels).extracting(c -> c.findElement(By.tagName("h3")).getText())
                .containsExactly("SFT", "Reward model", "DPO");
        for (WebElement panel : panels) {
            assertThat(new org.openqa.selenium.support.ui.Select(panel.findElement(By.tagName("select")))
                    .getFirstSelectedOption().getText()).isEqualTo("loss");
        }
        Browsers.screenshot(browser, "console-finished-cycle");

        // the cycle list says the same
        browser.get("http://127.0.0.1:" + kaizen.port() + "/console");
        wait.until(d -> !d.findElements(By.cssSelector("#cycle-list tr[data-cycle='" + id + "']")).isEmpty());
        assertThat(browser.findElement(By.cssSelector("#cycle-list tr[data-cycle='" + id + "'] td:nth-child(4)"))
                .getText()).isEqualTo("done");

        // the schedule: a cron expression in plain words; an error goes once a good one is saved
        browser.findElement(By.id("schedule-cron")).sendKeys("61 3 * * 1");
        browser.findElement(By.id("schedule-save")).click();
        wait.until(d -> d.findElement(By.id("schedule-notice")).isDisplayed());
        browser.findElement(By.id("schedule-cron")).sendKeys(Keys.BACK_SPACE);
        assertThat(browser.findElement(By.id("schedule-notice")).isDisplayed()).as("stale once edited").isFalse();
        browser.findElement(By.id("schedule-cron")).clear();
        browser.findElement(By.id("schedule-cron")).sendKeys("0 3 * * 1");
        browser.findElement(By.id("schedule-save")).click();
        wait.until(d -> d.findElement(By.id("schedule-summary")).getText().contains("Saved by otto"));
        assertThat(browser.findElement(By.id("schedule-summary")).getText())
                .contains("Cron: At 03:00, only on Monday (UTC).");
        assertThat(browser.findElement(By.id("schedule-notice")).isDisplayed()).isFalse();
    }

    @Test
    void promoteAndRollbackAskFirstAndRollbackWalksBackThroughThePromotions(@TempDir Path profile) throws Exception {
        ModelRegistry registry = new ModelRegistry(kaizen.sessions());
        ModelVersion first = await(registry.serving()).orElseThrow();
        // two more versions of the same files (a hot swap loads them like any other)
        long second = await(registry.register(new ModelVersion("second", first.id(), null, null,
                first.artifactPath(), first.sha256(), "{}", "{}"))).id();
        long third = await(registry.register(new ModelVersion("third", second, null, null,
                first.artifactPath(), first.sha256(), "{}", "{}"))).id();

        ChromeDriver browser = browsers.open(profile, 1200, 1600);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        // each action re-reads the registry and replaces its rows: a row found just before is then stale
        wait.ignoring(StaleElementReferenceException.class);
        Browsers.signIn(browser, wait, kaizen.server(), "/console", "otto", "operator password");
        wait.until(d -> d.findElements(By.cssSelector("#versions tbody tr")).size() == 3);
        WebElement rollback = browser.findElement(By.id("rollback"));
        assertThat(rollback.getText()).isEqualTo("Nothing to roll back to");
        assertThat(rollback.isEnabled()).isFalse();

        // promote asks; dismissed, nothing changes
        promoteButton(browser, "second").click();
        Alert ask = wait.until(ExpectedConditions.alertIsPresent());
        assertThat(ask.getText()).contains("Promote version " + second);
        ask.dismiss();
        assertThat(await(registry.serving())).map(ModelVersion::id).contains(first.id());
        promote(browser, wait, "second", second);
        promote(browser, wait, "third", third);

        // roll back: to the version before, then the one before that, never back and forth
        rollBack(browser, wait, second, true);
        rollBack(browser, wait, first.id(), true);
        wait.until(d -> d.findElement(By.id("rollback")).getText().equals("Nothing to roll back to"));
        assertThat(browser.findElement(By.id("rollback")).isEnabled()).isFalse();
    }

    private static WebElement promoteButton(ChromeDriver browser, String label) {
        return browser.findElement(By.xpath("//table[@id='versions']//tr[td[2][starts-with(., '" + label + "')]]"
                + "//button[contains(@class, 'promote')]"));
    }

    private void promote(ChromeDriver browser, WebDriverWait wait, String label, long version) throws Exception {
        ModelRegistry registry = new ModelRegistry(kaizen.sessions());
        wait.until(d -> !d.findElements(By.xpath("//table[@id='versions']//tr[td[2][starts-with(., '" + label
                + "')]]//button[contains(@class, 'promote')]")).isEmpty());
        promoteButton(browser, label).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(d -> d.findElement(By.cssSelector("#versions tr.serving")).getText().contains(label + " (serving)"));
        assertThat(await(registry.serving())).map(ModelVersion::id).contains(version);
    }

    private void rollBack(ChromeDriver browser, WebDriverWait wait, long to, boolean dismissFirst) throws Exception {
        ModelRegistry registry = new ModelRegistry(kaizen.sessions());
        wait.until(d -> d.findElement(By.id("rollback")).getText().equals("Roll back to version " + to));
        long serving = await(registry.serving()).orElseThrow().id();
        if (dismissFirst) {
            browser.findElement(By.id("rollback")).click();
            Alert ask = wait.until(ExpectedConditions.alertIsPresent());
            assertThat(ask.getText()).contains("Roll back to version " + to);
            ask.dismiss();
            assertThat(await(registry.serving())).map(ModelVersion::id).contains(serving);
        }
        browser.findElement(By.id("rollback")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(d -> d.findElement(By.cssSelector("#versions tr.serving td")).getText().equals(String.valueOf(to)));
        assertThat(await(registry.serving())).map(ModelVersion::id).contains(to);
    }
}
