package ai.kaizen.server;

import ai.kaizen.db.account.Role;
import ai.kaizen.db.review.ReviewRepository;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.model.Fixtures;
import ai.kaizen.server.config.ConfigKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the pages look, in headless Chromium, served by the starter model: the dark theme follows the system until
 * the top bar's toggle picks one (remembered), every page loads page.js once and runs without a script error, and
 * screenshots of chat (desktop, 390 px, dark), review and console. The screenshots go to {@code target/screenshots}
 * or, with {@code -Dkaizen.screenshots=<dir>}, there (the README's come from {@code ../docs/screenshots}).
 */
class PagesLookBrowserIT {

    @RegisterExtension
    @Order(1) // no server is started where the browser is missing
    static final Browsers browsers = new Browsers();

    @RegisterExtension
    @Order(2)
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.inRepository("models/starter").toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "80",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
            ConfigKey.REVIEW_CANDIDATES, "3",
            ConfigKey.REVIEW_OVERLAP, "1",
            ConfigKey.REVIEW_BUFFER, "2"), Duration.ofSeconds(300));

    @BeforeAll
    static void start() throws Exception {
        await(TestClient.accounts(kaizen.server()).createUser("otto", Role.OPERATOR, "operator password"));
        // customers' traffic, rated: what the console counts and the review queue is made of
        kaizen.client().openChat().askAndRate(4, "I want to cancel my order", "How do I get a refund?",
                "I forgot my password", "Where is my parcel?");
        ReviewRepository reviews = new ReviewRepository(kaizen.sessions());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (reviews.openTasks(ReviewTask.Kind.RANK).toCompletableFuture().get() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    /** A browser {@code width} px wide (a phone's metrics at 390), its profile in {@code profile}. */
    private ChromeDriver browser(Path profile, int width, int height) {
        ChromeOptions options = width < 700 ? Browsers.phone(profile, width, height)
                : Browsers.window(profile, width, height);
        options.addArguments("--hide-scrollbars");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        return browsers.open(options);
    }

    /** Makes the browser's system theme (prefers-color-scheme) {@code scheme}. */
    private static void systemTheme(ChromeDriver browser, String scheme) {
        browser.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features",
                List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
    }

    private static String background(ChromeDriver browser) {
        return browser.findElement(By.tagName("html")).getCssValue("background-color");
    }

    private String url(String path) {
        return "http://127.0.0.1:" + kaizen.port() + path;
    }

    private void signIn(ChromeDriver browser, String next) {
        Browsers.signIn(browser, new WebDriverWait(browser, Duration.ofSeconds(60)), kaizen.server(), next, "otto",
                "operator password");
    }

    private static final String WHITE = "rgba(255, 255, 255, 1)";
    private static final String NIGHT = "rgba(15, 23, 42, 1)";

    @Test
    void darkFollowsTheSystemUntilTheToggleChoosesAndTheChoiceIsRemembered(@TempDir Path profile) {
        ChromeDriver browser = browser(profile, 1280, 900);
        browser.get(url("/"));
        assertThat(background(browser)).isEqualTo(WHITE);
        WebElement toggle = browser.findElement(By.id("theme-toggle"));
        assertThat(toggle.getAttribute("aria-pressed")).isEqualTo("false");
        systemTheme(browser, "dark");
        // the page repaints at once; the toggle's label follows in the media-change event, a moment later
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> background(browser).equals(NIGHT)
                && toggle.getText().equals("☀ Light"));
        assertThat(toggle.getAttribute("aria-pressed")).isEqualTo("true");

        // chosen light while the system is dark: light, on this page, after a reload and on the next page
        toggle.click();
        assertThat(background(browser)).isEqualTo(WHITE);
        assertThat(toggle.getAttribute("aria-pressed")).isEqualTo("false");
        browser.navigate().refresh();
        assertThat(background(browser)).isEqualTo(WHITE);
        browser.get(url("/login"));
        assertThat(background(browser)).isEqualTo(WHITE);
        assertThat(browser.executeScript("return localStorage.getItem('kaizen.theme')")).isEqualTo("light");

        // and dark chosen while the system is light stays dark
        systemTheme(browser, "light");
        browser.findElement(By.id("theme-toggle")).click();
        assertThat(background(browser)).isEqualTo(NIGHT);
        browser.get(url("/"));
        assertThat(background(browser)).isEqualTo(NIGHT);
        assertThat(browser.findElement(By.cssSelector("textarea#message")).getCssValue("background-color"))
                .isEqualTo(NIGHT);
    }

    @Test
    void everyPageLoadsPageJsOnceAndRunsWithoutAScriptError(@TempDir Path profile) throws Exception {
        ChromeDriver browser = browser(profile, 1280, 900);
        signIn(browser, "/console");
        for (String page : List.of("/", "/login", "/review?kind=rank", "/review?kind=compare", "/review/agreement",
                "/console", "/console/company")) {
            browser.get(url(page));
            new WebDriverWait(browser, Duration.ofSeconds(30))
                    .until(d -> "complete".equals(browser.executeScript("return document.readyState")));
            Thread.sleep(500); // the pages' first API calls
            assertThat(browser.findElements(By.cssSelector("script[src='/static/page.js']"))).as(page).hasSize(1);
            assertThat(browser.executeScript("return typeof apiJson")).as(page).isEqualTo("function");
            List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
            assertThat(errors).as(page).isEmpty();
        }
        // the pages' own scripts use page.js's helpers instead of copies of them
        HttpClient http = HttpClient.newHttpClient();
        for (String script : List.of("chat.js", "review.js", "console.js", "company.js", "agreement.js")) {
            String source = http.send(HttpRequest.newBuilder(URI.create(url("/static/" + script))).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(source).as(script).isNotBlank().doesNotContain("csrf-token", "function api(",
                    "function errorOf(", "function el(");
        }
    }

    @Test
    void screenshotsOfChatReviewAndConsole(@TempDir Path desktop, @TempDir Path phone, @TempDir Path dark,
                                           @TempDir Path operator) throws Exception {
        ChromeDriver chat = browser(desktop, 1280, 800);
        chat.get(url("/"));
        converse(chat, "Hello, I want to return the shoes I bought last week", "How long does the refund take?");
        shoot(chat, "chat-desktop", 1280);

        ChromeDriver small = browser(phone, 390, 844);
        small.get(url("/"));
        converse(small, "I need to change my shipping address");
        shoot(small, "chat-phone", 390);

        ChromeDriver night = browser(dark, 1280, 800);
        night.get(url("/"));
        systemTheme(night, "dark");
        converse(night, "Can I pay with a gift card?");
        shoot(night, "chat-dark", 1280);

        ChromeDriver console = browser(operator, 1280, 1000);
        signIn(console, "/review?kind=rank");
        new WebDriverWait(console, Duration.ofSeconds(120))
                .until(ExpectedConditions.visibilityOfElementLocated(By.id("task")));
        new org.openqa.selenium.interactions.Actions(console).sendKeys("2").perform();
        new WebDriverWait(console, Duration.ofSeconds(10)).until(ExpectedConditions.textToBe(By.id("order"), "2"));
        shoot(console, "review", 1280);
        console.get(url("/console"));
        new WebDriverWait(console, Duration.ofSeconds(30))
                .until(d -> !d.findElements(By.cssSelector("#versions tbody tr")).isEmpty()
                        && !d.findElements(By.cssSelector("#counts tbody tr")).isEmpty());
        Thread.sleep(500);
        shoot(console, "console", 1280);
    }

    /** Sends each message and waits until its answer has streamed in. */
    private static void converse(ChromeDriver browser, String... messages) {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(120));
        for (int i = 0; i < messages.length; i++) {
            int answers = i + 1;
            browser.findElement(By.id("message")).sendKeys(messages[i], Keys.ENTER);
            wait.until(d -> d.findElements(By.cssSelector("#messages .message.assistant .model-version"))
                    .stream().filter(WebElement::isDisplayed).count() == answers);
        }
        wait.until(d -> d.findElements(By.cssSelector("#conversation-list a")).size() > 0);
    }

    private static void shoot(ChromeDriver browser, String name, int width) throws Exception {
        byte[] png = browser.getScreenshotAs(OutputType.BYTES);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).as(name).isEqualTo(width);
        Browsers.save(Browsers.README_SCREENSHOTS, name, png);
    }
}
