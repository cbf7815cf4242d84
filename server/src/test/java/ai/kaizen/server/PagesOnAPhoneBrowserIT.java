package ai.kaizen.server;

import ai.kaizen.db.account.Role;
import ai.kaizen.model.Fixtures;
import ai.kaizen.server.config.ConfigKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.Rectangle;
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
 * The pages on a 390 px wide phone in headless Chromium: the conversation list is a drawer, an A/B pair is stacked
 * with its verdicts in sight, and the console's tables scroll inside themselves instead of widening the page.
 */
class PagesOnAPhoneBrowserIT {

    @RegisterExtension
    @Order(1) // no server is started where the browser is missing
    static final Browsers browsers = new Browsers();

    @RegisterExtension
    @Order(2)
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "60",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "1"), Duration.ofSeconds(300));

    private ChromeDriver browser;
    private WebDriverWait wait;

    @BeforeAll
    static void start() throws Exception {
        await(TestClient.accounts(kaizen.server()).createUser("otto", Role.OPERATOR, "operator password"));
    }

    @BeforeEach
    void openBrowser(@TempDir Path profile) {
        browser = browsers.open(Browsers.phone(profile, 390, 844));
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    }

    private long script(String js, Object... args) {
        return ((Number) browser.executeScript(js, args)).longValue();
    }

    /** Whether the page is wider than the screen (it would scroll sideways). */
    private boolean pageOverflows() {
        return script("return document.documentElement.scrollWidth") > script("return window.innerWidth");
    }

    private boolean inViewport(WebElement e) {
        Rectangle r = e.getRect();
        return r.getY() >= 0 && r.getY() + r.getHeight() <= script("return window.innerHeight")
                && r.getX() >= 0 && r.getX() + r.getWidth() <= script("return window.innerWidth");
    }

    @Test
    void chatHasADrawerAndStackedAnswersWithTheVerdictInReach() {
        browser.get("http://127.0.0.1:" + kaizen.port() + "/");
        assertThat(script("return window.innerWidth")).isEqualTo(390);
        WebElement toggle = browser.findElement(By.id("drawer-toggle"));
        WebElement drawer = browser.findElement(By.id("conversations"));
        assertThat(toggle.isDisplayed()).isTrue();
        assertThat(drawer.isDisplayed()).isFalse();

        WebElement input = browser.findElement(By.id("message"));
        input.sendKeys("Where is my parcel? It was due on Monday and the tracking page says nothing.", Keys.ENTER);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".pair .verdicts")));
        List<WebElement> sides = browser.findElements(By.cssSelector(".pair .side"));
        Rectangle a = sides.get(0).getRect();
        Rectangle b = sides.get(1).getRect();
        // one above the other, each as wide as the pair (not two 130 px columns)
        assertThat(b.getY()).isGreaterThanOrEqualTo(a.getY() + a.getHeight());
        assertThat(a.getWidth()).isGreaterThan(300);
        assertThat(pageOverflows()).isFalse();
        // read A from its top: the verdicts stay on the screen
        browser.executeScript("arguments[0].scrollIntoView({block: 'start'})", sides.get(0));
        WebElement verdict = browser.findElement(By.cssSelector(".pair button[data-choice='a']"));
        wait.until(d -> inViewport(verdict));
        verdict.click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".pair")));

        // the drawer: opened by the button, over the chat, with the list and "New conversation"; a choice closes it
        toggle.click();
        wait.until(d -> inViewport(d.findElement(By.id("new-conversation"))));
        assertThat(toggle.getAttribute("aria-expanded")).isEqualTo("true");
        assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("new-conversation");
        WebElement item = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#conversation-list a")));
        assertThat(item.getText()).startsWith("Where is my parcel?");
        browser.findElement(By.id("new-conversation")).click();
        wait.until(ExpectedConditions.invisibilityOf(drawer));
        assertThat(toggle.getAttribute("aria-expanded")).isEqualTo("false");
        assertThat(browser.findElements(By.cssSelector("#messages .message"))).isEmpty();

        // back to the conversation through the drawer; Escape also closes it
        toggle.click();
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#conversation-list a"))).click();
        wait.until(ExpectedConditions.invisibilityOf(drawer));
        wait.until(d -> d.findElement(By.id("messages")).getText().contains("Where is my parcel?"));
        toggle.click();
        wait.until(ExpectedConditions.visibilityOf(drawer));
        browser.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        wait.until(ExpectedConditions.invisibilityOf(drawer));
        assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("drawer-toggle");
    }

    @Test
    void consoleTablesScrollInsteadOfWideningThePage() {
        Browsers.signIn(browser, wait, kaizen.server(), "/console", "otto", "operator password");
        wait.until(d -> !d.findElements(By.cssSelector("#versions tbody tr")).isEmpty());
        assertThat(pageOverflows()).isFalse();
        for (WebElement table : browser.findElements(By.cssSelector(".console-table"))) {
            Rectangle r = table.getRect();
            assertThat(r.getX() + r.getWidth()).as(table.getAttribute("id")).isLessThanOrEqualTo(390);
            assertThat(table.getCssValue("overflow-x")).isEqualTo("auto");
        }
        // the registry's eight columns do not fit: its table scrolls sideways by itself
        assertThat(script("return document.getElementById('versions').scrollWidth"))
                .isGreaterThan(script("return document.getElementById('versions').clientWidth"));
    }
}
