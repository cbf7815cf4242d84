package ai.kaizen.server.console;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.account.Role;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in headless Chromium: an operator signs in, starts a cycle with the tiny preset, and watches its
 * progress update live (step, a chart of the loss, the log) until the gate's report appears; and sets the schedule
 * in its panel (a bad cron expression refused with the server's message, a good one shown with its next run).
 */
class ConsolePageBrowserIT {

    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    @TempDir
    static Path home;
    static KaizenServer server;

    @BeforeAll
    static void start() throws Exception {
        boolean installed = CHROMIUM.canExecute() && CHROMEDRIVER.canExecute();
        if (!installed && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("browser tests need Debian's chromium and chromium-driver (.ci/run installs them)");
        }
        Assumptions.assumeTrue(installed, "chromium and chromedriver are not installed: browser tests skipped");
        server = KaizenServer.start(KaizenConfig.defaults(home).with(Map.of(
                        ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
                        ConfigKey.CHAT_MAX_NEW_TOKENS, "12",
                        ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
                        ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000",
                        ConfigKey.CYCLE_HEARTBEAT_SECONDS, "1")))
                .toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
        TestClient.accounts(server)
                .createUser("otto", Role.OPERATOR, "operator password").toCompletableFuture().get(30, TimeUnit.SECONDS);
        TestClient user = new TestClient(server.port()).openChat();
        for (String prompt : new String[]{"Where is my order?", "I want a refund.", "Reset my password.",
                "Change my address.", "My parcel is late.", "Cancel my plan."}) {
            String conversation = user.json("POST", "/api/conversations", new JsonObject()).getString("id");
            String answer = user.stream("/api/conversations/" + conversation + "/messages",
                    new JsonObject().put("content", prompt)).first("start").data().getJsonArray("answers")
                    .getString(0);
            user.json("PUT", "/api/messages/" + answer + "/rating", new JsonObject().put("stars", 5));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    private static ChromeDriver browser(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1200,1600", "--user-data-dir=" + profile);
        return new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER).usingAnyFreePort().build(), options);
    }

    private static void signInToConsole(ChromeDriver browser, WebDriverWait wait) {
        browser.get("http://127.0.0.1:" + server.port() + "/console");
        wait.until(d -> d.getCurrentUrl().contains("/login"));
        browser.findElement(By.name("name")).sendKeys("otto");
        browser.findElement(By.name("password")).sendKeys("operator password");
        browser.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(d -> d.getCurrentUrl().endsWith("/console"));
    }

    @Test
    void anOperatorSetsAScheduleAndSeesWhenItRunsNext(@TempDir Path profile) throws Exception {
        ChromeDriver browser = browser(profile);
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
            signInToConsole(browser, wait);
            wait.until(d -> d.findElement(By.id("schedule-summary")).getText().contains("configuration"));
            assertThat(browser.findElement(By.cssSelector("#counts tbody")).getText()).contains("rankings")
                    .contains("ideal answers");

            // a bad cron expression: the server's message, and nothing saved
            browser.findElement(By.id("schedule-cron")).sendKeys("0 3 * * 1 2026");
            browser.findElement(By.id("schedule-save")).click();
            wait.until(d -> d.findElement(By.id("schedule-notice")).isDisplayed());
            assertThat(browser.findElement(By.id("schedule-notice")).getText()).contains("five fields");

            browser.findElement(By.id("schedule-cron")).clear();
            browser.findElement(By.id("schedule-cron")).sendKeys("0 3 * * 1");
            browser.findElement(By.id("schedule-threshold")).clear();
            browser.findElement(By.id("schedule-threshold")).sendKeys("50");
            new Select(browser.findElement(By.id("schedule-preset"))).selectByValue("tiny");
            browser.findElement(By.id("schedule-save")).click();
            wait.until(d -> d.findElement(By.id("schedule-summary")).getText().contains("Saved by otto"));
            assertThat(browser.findElement(By.id("schedule-notice")).isDisplayed()).isFalse();
            assertThat(browser.findElement(By.id("schedule-summary")).getText()).contains("Next run:")
                    .contains("03:00 UTC").contains("After 50 new ratings and choices");
            wait.until(d -> d.findElement(By.cssSelector("#audit-list tbody")).getText().contains("set_schedule"));
            Path dir = Path.of("target", "screenshots");
            Files.createDirectories(dir);
            Files.write(dir.resolve("console-schedule.png"), browser.findElement(By.id("schedule"))
                    .getScreenshotAs(org.openqa.selenium.OutputType.BYTES));

            // switched off again, so that no cycle of this class's other test meets a scheduled one
            browser.findElement(By.id("schedule-enabled")).click();
            browser.findElement(By.id("schedule-save")).click();
            wait.until(d -> d.findElement(By.id("schedule-summary")).getText().startsWith("Off"));
            browser.navigate().refresh();
            wait.until(d -> d.findElement(By.id("schedule-summary")).getText().startsWith("Off"));
            assertThat(browser.findElement(By.id("schedule-cron")).getAttribute("value")).isEqualTo("0 3 * * 1");
        } finally {
            browser.quit();
        }
    }

    @Test
    void anOperatorDescribesTheCompanyOnceAndEachSaveIsAVersion(@TempDir Path profile) throws Exception {
        ChromeDriver browser = browser(profile);
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
            signInToConsole(browser, wait);
            browser.findElement(By.linkText("Company profile")).click();
            wait.until(d -> d.findElement(By.id("company-saved")).getText().contains("Not saved yet"));

            browser.findElement(By.id("company-name")).sendKeys("Acme Ltd");
            browser.findElement(By.id("company-website-name")).sendKeys("Acme Shop");
            browser.findElement(By.id("company-support-phone")).sendKeys("+1 555 0100");
            browser.findElement(By.id("company-add-extra")).click();
            browser.findElement(By.cssSelector("#company-extra .extra-name")).sendKeys("Refund Policy");
            browser.findElement(By.cssSelector("#company-extra .extra-value")).sendKeys("our 30-day refund policy");
            // a bad email: the server's message, and nothing saved
            browser.findElement(By.id("company-support-email")).sendKeys("help at acme");
            browser.findElement(By.id("company-save")).click();
            wait.until(d -> d.findElement(By.id("company-notice")).isDisplayed());
            assertThat(browser.findElement(By.id("company-notice")).getText()).contains("support_email");
            assertThat(browser.findElement(By.id("company-saved")).getText()).contains("Not saved yet");

            browser.findElement(By.id("company-support-email")).clear();
            browser.findElement(By.id("company-support-email")).sendKeys("help@acme.example");
            browser.findElement(By.id("company-save")).click();
            wait.until(d -> d.findElement(By.id("company-saved")).getText().contains("Version 1, saved by otto"));
            assertThat(browser.findElement(By.id("company-notice")).isDisplayed()).isFalse();

            browser.findElement(By.id("company-support-phone")).clear();
            browser.findElement(By.id("company-support-phone")).sendKeys("+1 555 0199");
            browser.findElement(By.id("company-save")).click();
            wait.until(d -> d.findElement(By.id("company-saved")).getText().contains("Version 2"));
            wait.until(d -> d.findElements(By.cssSelector("#company-versions tbody tr")).size() == 2);
            assertThat(browser.findElement(By.cssSelector("#company-versions tbody tr")).getText())
                    .contains("+1 555 0199").contains("{{Refund Policy}}: our 30-day refund policy");
            Path dir = Path.of("target", "screenshots");
            Files.createDirectories(dir);
            Files.write(dir.resolve("console-company.png"), browser.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));

            // what was saved comes back after a reload, and the console's audit log has both saves
            browser.navigate().refresh();
            wait.until(d -> d.findElement(By.id("company-saved")).getText().contains("Version 2"));
            assertThat(browser.findElement(By.id("company-support-phone")).getAttribute("value")).isEqualTo("+1 555 0199");
            assertThat(browser.findElement(By.cssSelector("#company-extra .extra-value")).getAttribute("value"))
                    .isEqualTo("our 30-day refund policy");
            browser.get("http://127.0.0.1:" + server.port() + "/console");
            wait.until(d -> d.findElement(By.cssSelector("#audit-list tbody")).getText().contains("set_company_profile"));
        } finally {
            browser.quit();
        }
    }

    @Test
    void anOperatorStartsACycleAndWatchsItsProgressUpdate(@TempDir Path profile) throws Exception {
        ChromeDriver browser = browser(profile);
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(150));
            signInToConsole(browser, wait);
            wait.until(d -> d.findElement(By.cssSelector("#counts tbody")).getText().contains("ratings"));
            assertThat(browser.findElement(By.id("serving")).getText()).contains("Serving: version 1");

            new Select(browser.findElement(By.id("preset"))).selectByValue("tiny");
            browser.findElement(By.id("start-button")).click();
            wait.until(d -> d.getCurrentUrl().matches(".*/console/cycles/\\d+$"));

            // Live: the page opens on a cycle not yet done (its trainer JVM alone takes seconds to start) and
            // changes to its end without a reload; a loss chart is drawn, the log fills, then the gate reports.
            // Nothing waits for an intermediate state: on a fast machine a tiny cycle's SFT lasts under a second.
            // Six rated prompts leave fewer held-out prompts than the gate's minimum: the cycle ends with no verdict.
            wait.until(d -> !d.findElement(By.id("status")).getText().isBlank()
                    && !d.findElement(By.id("status")).getText().equals("…"));
            assertThat(browser.findElement(By.id("status")).getText()).isIn("queued", "running");
            wait.until(d -> d.findElement(By.id("status")).getText().equals("no verdict"));
            wait.until(d -> !d.findElements(By.cssSelector("svg[data-metric=loss] polyline")).isEmpty());
            assertThat(browser.findElement(By.id("log")).getText()).contains("dataset version");
            wait.until(d -> !d.findElements(By.id("gate-verdict")).isEmpty());
            assertThat(browser.findElement(By.id("gate-verdict")).getText()).startsWith("No verdict:")
                    .contains("too few held-out prompts");
            // no plain Promote button under a gate that did not pass: "Promote anyway…", which asks for a reason
            assertThat(browser.findElements(By.id("promote"))).isEmpty();
            WebElement anyway = browser.findElement(By.cssSelector("#promote-anyway summary"));
            assertThat(anyway.getText()).isEqualTo("Promote anyway…");
            assertThat(browser.findElement(By.cssSelector("#promote-anyway input[name=override_reason]"))
                    .isDisplayed()).isFalse();
            anyway.click();
            assertThat(browser.findElement(By.cssSelector("#promote-anyway input[name=override_reason]"))
                    .isDisplayed()).isTrue();
            assertThat(browser.findElements(By.cssSelector("svg[data-metric=loss] circle")).size())
                    .as("one point per logged step").isGreaterThanOrEqualTo(2);
            Path dir = Path.of("target", "screenshots");
            Files.createDirectories(dir);
            Files.write(dir.resolve("console-cycle.png"), browser.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));

            // The candidate goes into an online comparison from the registry; the panel shows it running.
            browser.get("http://127.0.0.1:" + server.port() + "/console#registry");
            wait.until(d -> d.findElements(By.xpath("//table[@id='versions']//button[text()='Compare online']"))
                    .size() == 1);
            browser.findElement(By.xpath("//table[@id='versions']//button[text()='Compare online']")).click();
            wait.until(d -> !d.findElements(By.id("comparison-summary")).isEmpty());
            assertThat(browser.findElement(By.id("comparison-summary")).getText())
                    .contains("(challenger) against").contains("0 choices so far").contains("no choices yet");
            assertThat(browser.findElements(By.cssSelector("#comparison-list tbody tr"))).hasSize(1);
            Files.write(dir.resolve("console-comparison.png"), browser.findElement(By.id("comparisons"))
                    .getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
            browser.findElement(By.id("stop-comparison")).click();
            wait.until(d -> d.findElement(By.id("comparison-running")).getText()
                    .contains("No comparison is running."));
        } finally {
            browser.quit();
        }
    }
}
