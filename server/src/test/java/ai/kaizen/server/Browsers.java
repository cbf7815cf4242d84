package ai.kaizen.server;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Headless Chromium for the page tests (Debian's chromium and chromedriver), as a JUnit 5 extension registered on a
 * static field: it skips the test class where they are not installed (and fails it under {@code CI=true}, where
 * they must be), and after each test quits every browser the test opened with {@link #open}. A failed test first
 * prints where each of its browsers was (address, title, the start of the page's text) and keeps a screenshot of it
 * as {@code failed-CLASS-TEST-N.png} under {@link #SCREENSHOTS}: a test that waited in vain then says what it saw.
 */
public final class Browsers implements BeforeAllCallback, AfterTestExecutionCallback, AfterEachCallback {

    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
    /** Where the pages' screenshots are kept, for people reviewing a change. */
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    /** Where the screenshots the README shows go: {@code -Dkaizen.screenshots=../docs/screenshots} renews them. */
    public static final Path README_SCREENSHOTS = Path.of(System.getProperty("kaizen.screenshots",
            SCREENSHOTS.toString()));

    private final List<ChromeDriver> opened = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        boolean installed = CHROMIUM.canExecute() && CHROMEDRIVER.canExecute();
        if (!installed && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("browser tests need Debian's chromium and chromium-driver (.ci/run installs them)");
        }
        Assumptions.assumeTrue(installed, "chromium and chromedriver are not installed: browser tests skipped");
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isEmpty()) {
            return;
        }
        String test = context.getRequiredTestClass().getSimpleName() + "-" + context.getRequiredTestMethod().getName();
        for (int i = 0; i < opened.size(); i++) {
            ChromeDriver browser = opened.get(i);
            try {
                String text = browser.findElement(By.tagName("body")).getText();
                System.err.printf("%s: browser %d was at %s, titled \"%s\", showing: %s%n", test, i,
                        browser.getCurrentUrl(), browser.getTitle(), text.substring(0, Math.min(2000, text.length())));
                screenshot(browser, "failed-" + test + "-" + i);
            } catch (RuntimeException | IOException e) {
                System.err.printf("%s: browser %d could not be read: %s%n", test, i, e);
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        opened.forEach(ChromeDriver::quit);
        opened.clear();
    }

    /** A browser with {@code options}, quit when the test ends. */
    public ChromeDriver open(ChromeOptions options) {
        ChromeDriver browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort().build(), options);
        opened.add(browser);
        return browser;
    }

    /** A desktop browser whose window is {@code width} × {@code height} px, quit when the test ends. */
    public ChromeDriver open(Path profile, int width, int height) {
        return open(window(profile, width, height));
    }

    /**
     * Chromium without a window, sandbox (the tests may run as root in a container), GPU or anything that calls
     * home, with its profile in {@code profile} (a fresh folder: no cookies or storage from another test).
     */
    public static ChromeOptions options(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        return options;
    }

    /** {@link #options} for a desktop window {@code width} × {@code height} px. */
    public static ChromeOptions window(Path profile, int width, int height) {
        ChromeOptions options = options(profile);
        options.addArguments("--window-size=" + width + "," + height);
        return options;
    }

    /** {@link #options} for a phone: a touch screen {@code width} × {@code height} px that reports itself mobile. */
    public static ChromeOptions phone(Path profile, int width, int height) {
        ChromeOptions options = options(profile);
        options.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics",
                Map.of("width", width, "height", height, "pixelRatio", 1.0, "mobile", true, "touch", true)));
        return options;
    }

    /** Keeps what {@code shown} (a page or one element) looks like as {@code name}.png under {@link #SCREENSHOTS}. */
    public static void screenshot(TakesScreenshot shown, String name) throws IOException {
        save(SCREENSHOTS, name, shown.getScreenshotAs(OutputType.BYTES));
    }

    /** Writes {@code png} as {@code name}.png into {@code dir}, made where missing. */
    public static void save(Path dir, String name, byte[] png) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(name + ".png"), png);
    }

    /**
     * Signs {@code name} in through the sign-in page on the way to {@code next} and waits until the browser is
     * there.
     */
    public static void signIn(WebDriver browser, WebDriverWait wait, KaizenServer server, String next, String name,
                              String password) {
        browser.get("http://127.0.0.1:" + server.port() + "/login?next=" + next);
        submitSignIn(browser, name, password);
        wait.until(d -> d.getCurrentUrl().endsWith(next));
    }

    /** Types {@code name} and {@code password} into the sign-in form the browser shows and sends it with Enter. */
    public static void submitSignIn(WebDriver browser, String name, String password) {
        browser.findElement(By.name("name")).sendKeys(name);
        browser.findElement(By.name("password")).sendKeys(password, Keys.ENTER);
    }
}
