package ai.kaizen.server.http;

import ai.kaizen.server.Browsers;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.config.ConfigKey;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The sign-in page in headless Chromium when its address has tried too often: the page, not a raw JSON error. */
class SignInPageBrowserIT {

    @RegisterExtension
    @Order(1) // no server is started where the browser is missing
    static final Browsers browsers = new Browsers();

    @RegisterExtension
    @Order(2)
    static final RunningServer kaizen = new RunningServer(Map.of(ConfigKey.LIMITS_LOGINS_PER_MINUTE, "2"));

    @Test
    void tooManyAttemptsShowTheSignInPageWithAnAlert(@TempDir Path profile) {
        ChromeDriver browser = browsers.open(profile, 1200, 900);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        browser.get("http://127.0.0.1:" + kaizen.port() + "/login");
        for (int attempt = 0; attempt < 3; attempt++) {
            wait.until(ExpectedConditions.presenceOfElementLocated(By.name("name"))).clear();
            browser.findElement(By.name("name")).sendKeys("nobody");
            browser.findElement(By.name("password")).sendKeys("guess " + attempt);
            WebElement submit = browser.findElement(By.cssSelector("button[type=submit]"));
            submit.click();
            // the answer is a new page: wait for it, not for the error the last one showed
            wait.until(d -> left(submit));
            wait.until(d -> !d.findElements(By.cssSelector("p.error")).isEmpty());
        }
        WebElement error = browser.findElement(By.cssSelector("p.error"));
        assertThat(error.getText()).startsWith("Too many sign-in attempts; try again in");
        assertThat(error.getAttribute("role")).isEqualTo("alert");
        // still the page, with its form and the name typed
        assertThat(browser.findElement(By.name("name")).getAttribute("value")).isEqualTo("nobody");
        assertThat(browser.getPageSource()).doesNotContain("{\"error\"");
    }

    /**
     * Whether {@code element}'s page has been replaced. Chromedriver says so with a stale-element error, or, while the
     * new page is still loading, with "does not belong to the document", which Selenium's {@code stalenessOf} does
     * not recognise and throws.
     */
    private static boolean left(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (StaleElementReferenceException gone) {
            return true;
        } catch (WebDriverException e) {
            if (e.getMessage() != null && e.getMessage().contains("does not belong to the document")) {
                return true;
            }
            throw e;
        }
    }
}
