package ai.kaizen.server.console;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.account.Role;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.server.Browsers;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in headless Chromium: an operator signs in, starts a cycle with the tiny preset, and watches its
 * progress update live (step, a chart of the loss, the log) until the gate's report appears; and sets the schedule
 * in its panel (a bad cron expression refused with the server's message, a good one shown with its next run); and
 * reads a cycle's charts: a panel per stage drawn by uPlot, growing live, with the previous cycle's run beneath.
 */
class ConsolePageBrowserIT {

    @RegisterExtension
    @Order(1) // no server is started where the browser is missing
    static final Browsers browsers = new Browsers();

    @RegisterExtension
    @Order(2)
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "12",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000",
            ConfigKey.CYCLE_HEARTBEAT_SECONDS, "1"));

    @BeforeAll
    static void start() throws Exception {
        await(TestClient.accounts(kaizen.server()).createUser("otto", Role.OPERATOR, "operator password"));
        kaizen.client().openChat().askAndRate(5, "Where is my order?", "I want a refund.",
                "Reset my password.", "Change my address.", "My parcel is late.", "Cancel my plan.");
    }

    private static void signInToConsole(ChromeDriver browser, WebDriverWait wait) {
        browser.get("http://127.0.0.1:" + kaizen.port() + "/console");
        wait.until(d -> d.getCurrentUrl().contains("/login"));
        Browsers.submitSignIn(browser, "otto", "operator password");
        wait.until(d -> d.getCurrentUrl().endsWith("/console"));
    }

    @Test
    void anOperatorSetsAScheduleAndSeesWhenItRunsNext(@TempDir Path profile) throws Exception {
        ChromeDriver browser = browsers.open(profile, 1200, 1600);
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
        Browsers.screenshot(browser.findElement(By.id("schedule")), "console-schedule");

        // switched off again, so that no cycle of this class's other test meets a scheduled one
        browser.findElement(By.id("schedule-enabled")).click();
        browser.findElement(By.id("schedule-save")).click();
        wait.until(d -> d.findElement(By.id("schedule-summary")).getText().startsWith("Off"));
        browser.navigate().refresh();
        wait.until(d -> d.findElement(By.id("schedule-summary")).getText().startsWith("Off"));
        assertThat(browser.findElement(By.id("schedule-cron")).getAttribute("value")).isEqualTo("0 3 * * 1");
    }

    @Test
    void anOperatorDescribesTheCompanyOnceAndEachSaveIsAVersion(@TempDir Path profile) throws Exception {
        ChromeDriver browser = browsers.open(profile, 1200, 1600);
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
        Browsers.screenshot(browser, "console-company");

        // what was saved comes back after a reload, and the console's audit log has both saves
        browser.navigate().refresh();
        wait.until(d -> d.findElement(By.id("company-saved")).getText().contains("Version 2"));
        assertThat(browser.findElement(By.id("company-support-phone")).getAttribute("value")).isEqualTo("+1 555 0199");
        assertThat(browser.findElement(By.cssSelector("#company-extra .extra-value")).getAttribute("value"))
                .isEqualTo("our 30-day refund policy");
        browser.get("http://127.0.0.1:" + kaizen.port() + "/console");
        wait.until(d -> d.findElement(By.cssSelector("#audit-list tbody")).getText().contains("set_company_profile"));
    }

    @Test
    void anOperatorStartsACycleAndWatchsItsProgressUpdate(@TempDir Path profile) throws Exception {
        ChromeDriver browser = browsers.open(profile, 1200, 1600);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(150));
        signInToConsole(browser, wait);
        wait.until(d -> d.findElement(By.cssSelector("#counts tbody")).getText().contains("ratings"));
        assertThat(browser.findElement(By.id("serving")).getText()).contains("Serving: version 1");
        // the ratings per version and day: one line, today's mean of five stars under the cursor
        wait.until(d -> !d.findElements(By.cssSelector("#trend-chart .uplot canvas")).isEmpty());
        WebElement trend = browser.findElement(By.id("trend-chart"));
        assertThat(legend(trend)).hasSize(2).first().isEqualTo("day");
        assertThat(browser.findElement(By.id("serving")).getText()).contains("(" + legend(trend).get(1) + ")");
        WebElement days = trend.findElement(By.cssSelector(".u-over"));
        new Actions(browser).moveToElement(days).perform();
        wait.until(d -> value(d.findElement(By.id("trend-chart")), 1).equals("5"));

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
        wait.until(d -> !d.findElements(By.cssSelector(".chart-panel[data-stage=sft] .uplot canvas")).isEmpty());
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
        assertThat(new Select(browser.findElement(By.cssSelector(".chart-panel[data-stage=sft] select")))
                .getOptions()).extracting(WebElement::getText).contains("loss");
        Browsers.screenshot(browser, "console-cycle");

        // The candidate goes into an online comparison from the registry; the panel shows it running.
        browser.get("http://127.0.0.1:" + kaizen.port() + "/console#registry");
        wait.until(d -> d.findElements(By.xpath("//table[@id='versions']//button[text()='Compare online']"))
                .size() == 1);
        browser.findElement(By.xpath("//table[@id='versions']//button[text()='Compare online']")).click();
        wait.until(d -> !d.findElements(By.id("comparison-summary")).isEmpty());
        assertThat(browser.findElement(By.id("comparison-summary")).getText())
                .contains("(challenger) against").contains("0 choices so far").contains("no choices yet");
        assertThat(browser.findElements(By.cssSelector("#comparison-list tbody tr"))).hasSize(1);
        Browsers.screenshot(browser.findElement(By.id("comparisons")), "console-comparison");
        browser.findElement(By.id("stop-comparison")).click();
        wait.until(d -> d.findElement(By.id("comparison-running")).getText()
                .contains("No comparison is running."));
    }

    /**
     * A cycle written straight to the database (no trainer): the page opens while SFT runs, and its chart takes the
     * points that follow without being drawn anew; the reward model gets a panel of its own; SFT's panel draws the
     * previous cycle's SFT beneath, the reward model's (no earlier cycle ran one) does not; the cursor shows values.
     */
    @Test
    void aCyclesChartsShowEachStageLiveWithThePreviousCycleBeneath(@TempDir Path profile) throws Exception {
        CycleRepository cycles = new CycleRepository(kaizen.sessions());
        long previous = await(cycles.create("{\"preset\":\"tiny\"}", "otto")).id();
        assertThat(await(cycles.claim(previous))).isTrue();
        for (int step = 1; step <= 4; step++) {
            await(cycles.metrics(previous, "sft", step, Map.of("loss", 2 + 2.0 / step)));
            Thread.sleep(300); // points apart in time, as a trainer logs them
        }
        assertThat(await(cycles.succeed(previous, null, null))).isTrue();
        long id = await(cycles.create("{\"preset\":\"tiny\"}", "otto")).id();
        assertThat(await(cycles.claim(id))).isTrue();
        await(cycles.heartbeat(id, "sft", 2, 4));
        for (int step = 1; step <= 2; step++) {
            await(cycles.metrics(id, "sft", step, Map.of("loss", 3 + 1.0 / step, "epoch", step / 4.0)));
            Thread.sleep(300);
        }

        ChromeDriver browser = browsers.open(profile, 1200, 1600);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        signInToConsole(browser, wait);
        browser.get("http://127.0.0.1:" + kaizen.port() + "/console/cycles/" + id);
        By sft = By.cssSelector(".chart-panel[data-stage=sft]");
        wait.until(d -> !d.findElements(By.cssSelector(".chart-panel[data-stage=sft] .uplot canvas")).isEmpty());
        wait.until(d -> legend(d.findElement(sft)).contains("previous cycle #" + previous));
        assertThat(legend(browser.findElement(sft))).containsExactly("time", "cycle #" + id,
                "previous cycle #" + previous);
        assertThat(browser.findElement(By.cssSelector(".chart-panel[data-stage=sft] .chart-note")).getText())
                .contains("cycle #" + previous).contains("shifted to start when this cycle's did");
        WebElement canvas = browser.findElement(By.cssSelector(".chart-panel[data-stage=sft] canvas"));
        browser.executeScript("arguments[0].dataset.first = 'yes'", canvas);

        // live: SFT's last steps and an eval loss, then the reward model's steps
        for (int step = 3; step <= 4; step++) {
            await(cycles.heartbeat(id, "sft", step, 4));
            await(cycles.metrics(id, "sft", step, Map.of("loss", 3 + 1.0 / step)));
            Thread.sleep(300);
        }
        await(cycles.metrics(id, "sft", 4, Map.of("eval_loss", 3.5)));
        for (int step = 1; step <= 3; step++) {
            await(cycles.heartbeat(id, "reward_model", step, 3));
            await(cycles.metrics(id, "reward_model", step, Map.of("loss", 0.7 / step, "accuracy", 0.5 + step / 10.0)));
            Thread.sleep(300);
        }
        assertThat(await(cycles.succeed(id, null, null))).isTrue();
        wait.until(d -> d.findElement(By.id("status")).getText().equals("succeeded"));
        wait.until(d -> d.findElements(By.cssSelector(".chart-panel .uplot canvas")).size() == 2);

        List<WebElement> panels = browser.findElements(By.cssSelector(".chart-panel"));
        assertThat(panels).extracting(p -> p.getAttribute("data-stage")).containsExactly("sft", "reward_model");
        assertThat(browser.findElement(By.cssSelector(".chart-panel[data-stage=sft] canvas"))
                .getAttribute("data-first")).as("the same chart, given the new points").isEqualTo("yes");
        Select metric = new Select(browser.findElement(By.cssSelector(".chart-panel[data-stage=sft] select")));
        assertThat(metric.getOptions()).extracting(WebElement::getText)
                .as("counters such as epoch are not charted").containsExactly("eval_loss", "loss");
        assertThat(metric.getFirstSelectedOption().getText()).isEqualTo("loss");
        WebElement reward = browser.findElement(By.cssSelector(".chart-panel[data-stage=reward_model]"));
        assertThat(legend(reward)).containsExactly("time", "cycle #" + id);
        assertThat(reward.findElement(By.cssSelector(".chart-note")).isDisplayed()).isFalse();
        assertThat(new Select(reward.findElement(By.tagName("select"))).getFirstSelectedOption().getText())
                .isEqualTo("loss");

        // the cursor at the right end: SFT's last step, 3 + 1/4, and its time of day
        WebElement plot = browser.findElement(By.cssSelector(".chart-panel[data-stage=sft] .u-over"));
        new Actions(browser).moveToElement(plot, plot.getSize().getWidth() / 2 - 1, 0).perform();
        wait.until(d -> value(d.findElement(sft), 1).equals("3.25"));
        assertThat(value(browser.findElement(sft), 0)).matches(".*\\d{1,2}:\\d{2}:\\d{2}.*");
        // the previous cycle logged at other moments: the legend shows its point nearest the cursor, not a dash
        assertThat(value(browser.findElement(sft), 2)).isIn("4", "3", "2.667", "2.5");
        // text is readable: the legend at 14 px, the axes' labels at 13 px (uPlot draws them on the canvas)
        assertThat(browser.findElement(By.cssSelector(".chart-panel[data-stage=sft] .u-legend"))
                .getCssValue("font-size")).isEqualTo("14px");
        Browsers.save(Browsers.README_SCREENSHOTS, "console-cycle-charts", browser.getScreenshotAs(OutputType.BYTES));

        // another metric: the eval loss, logged once
        metric.selectByVisibleText("eval_loss");
        new Actions(browser).moveToElement(plot, plot.getSize().getWidth() / 2 - 1, 0).perform();
        wait.until(d -> value(d.findElement(sft), 1).equals("3.5"));

        // the charts follow the window's width (two columns of panels at 1200 px, one at 520), and the theme
        int wide = canvas.getSize().getWidth();
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(520, 1600));
        wait.until(d -> d.findElement(By.cssSelector(".chart-panel[data-stage=sft] canvas")).getSize()
                .getWidth() < wide);
        WebElement panel = browser.findElement(sft);
        assertThat(canvas.getSize().getWidth()).isLessThanOrEqualTo(panel.getSize().getWidth());
        String light = axisColour(browser);
        browser.findElement(By.id("theme-toggle")).click();
        wait.until(d -> !axisColour(browser).equals(light));
    }

    /** The labels of a chart's legend: the x axis first, then each line. */
    private static List<String> legend(WebElement panel) {
        return panel.findElements(By.cssSelector(".u-legend .u-series .u-label")).stream()
                .map(WebElement::getText).toList();
    }

    /** The value the legend shows for series {@code index} (0: the x axis) where the cursor is. */
    private static String value(WebElement panel, int index) {
        return panel.findElements(By.cssSelector(".u-legend .u-series .u-value")).get(index).getText();
    }

    /** The colour of the darkest or lightest pixel of the SFT chart's y axis labels (the canvas' left strip). */
    private static String axisColour(ChromeDriver browser) {
        return String.valueOf(browser.executeScript("const c = document.querySelector("
                + "'.chart-panel[data-stage=sft] canvas'), g = c.getContext('2d');"
                + "const d = g.getImageData(0, 0, Math.floor(c.width / 12), c.height).data; let best = null;"
                + "for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 200) { const v = d[i] + d[i + 1] + d[i + 2];"
                + " if (best === null || Math.abs(v - 382) > Math.abs(best - 382)) best = v; } } return best;"));
    }
}
