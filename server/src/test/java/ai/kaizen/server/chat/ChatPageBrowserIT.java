package ai.kaizen.server.chat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.Rating;
import ai.kaizen.server.Browsers;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.config.ConfigKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat page in headless Chromium (Debian's chromium and chromedriver): a person sends a message, watches it
 * stream, gives a thumbs down with a reason, and picks between two answers; the database then holds what they did.
 */
class ChatPageBrowserIT {

    @RegisterExtension
    @Order(1) // no server is started where the browser is missing
    static final Browsers browsers = new Browsers();

    @RegisterExtension
    @Order(2)
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "40",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0"));

    private ChromeDriver browser;
    private WebDriverWait wait;

    @BeforeEach
    void openBrowser(@TempDir Path profile) {
        browser = browsers.open(profile, 1200, 900);
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        browser.get("http://127.0.0.1:" + kaizen.port() + "/");
        // on a loaded machine a test could otherwise look for the composer before the page shows it
        wait.until(ExpectedConditions.elementToBeClickable(By.id("message")));
    }

    private void send(String text) {
        By answers = By.cssSelector("#messages > .message.assistant .content");
        int before = browser.findElements(answers).size();
        WebElement input = browser.findElement(By.id("message"));
        input.sendKeys(text);
        input.sendKeys(Keys.ENTER);
        // Streaming: the answer fills in, then the stop button goes away when the stream ends.
        wait.until(d -> d.findElements(answers).size() > before
                && !d.findElements(answers).get(before).getText().isBlank());
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("stop")));
    }

    private UUID conversationId() {
        String url = browser.getCurrentUrl();
        return UUID.fromString(url.substring(url.indexOf("c=") + 2));
    }

    private String principalOf(UUID conversationId) throws Exception {
        Conversation c = await(kaizen.sessions().withSession(s -> s.find(Conversation.class, conversationId)));
        return c.owner();
    }

    @Test
    void sendStreamAndThumbsDownWithAReason() throws Exception {
        send("Once upon a time");
        WebElement answer = browser.findElement(By.cssSelector(".message.assistant"));
        String shown = answer.findElement(By.cssSelector(".content")).getText();

        answer.findElement(By.cssSelector(".thumbs-down")).click();
        WebElement why = wait.until(ExpectedConditions.visibilityOf(answer.findElement(By.cssSelector(".why"))));
        why.findElement(By.cssSelector("input[value='incorrect']")).click();
        why.findElement(By.name("comment")).sendKeys("Not what I asked.");
        Browsers.screenshot(browser, "chat-thumbs-down");
        why.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(ExpectedConditions.invisibilityOf(why));
        assertThat(answer.findElement(By.cssSelector(".thumbs-down")).getAttribute("aria-pressed")).isEqualTo("true");

        UUID conversation = conversationId();
        List<Message> messages = await(new ConversationRepository(kaizen.sessions()).messages(conversation));
        Message stored = messages.stream().filter(m -> m.role() == Message.Author.assistant).findFirst().orElseThrow();
        // the page renders the answer as Markdown, which joins or breaks lines: compare the words
        assertThat(stored.content().replaceAll("\\s+", " ").strip()).isEqualTo(shown.replaceAll("\\s+", " ").strip());
        List<Rating> ratings = await(new FeedbackRepository(kaizen.sessions()).ratings(stored.id()));
        assertThat(ratings).singleElement().satisfies(r -> {
            assertThat(r.thumbs()).isEqualTo(-1);
            assertThat(r.reasons()).containsExactly("incorrect");
            assertThat(r.comment()).isEqualTo("Not what I asked.");
            assertThat(r.rater()).isEqualTo(ratingsOwner(conversation));
        });
    }

    private String ratingsOwner(UUID conversation) throws Exception {
        return principalOf(conversation);
    }

    /** Waits until the page shows {@code count} answers, the last one written, and the stream has ended. */
    private void awaitAnswers(int count) {
        wait.until(d -> {
            List<WebElement> answers = d.findElements(By.cssSelector(".message.assistant .content"));
            return answers.size() == count && !answers.get(count - 1).getText().isBlank();
        });
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("stop")));
    }

    /**
     * The conversation as its page shows it: the branch that ends at its current message (the review workspace's
     * background worker may add candidate answers beside it).
     */
    private static List<Message> visible(UUID conversationId) throws Exception {
        Conversation c = await(kaizen.sessions().withSession(s -> s.find(Conversation.class, conversationId)));
        return ConversationRepository.branch(await(new ConversationRepository(kaizen.sessions())
                .messages(conversationId)), c.currentMessageId());
    }

    private static String describe(List<Message> messages) {
        return messages.stream().map(m -> m.role() + " " + m.id() + " after " + m.parentId() + " at " + m.createdAt()
                + ": " + m.content().substring(0, Math.min(30, m.content().length()))).toList().toString();
    }

    @Test
    void aLongMessageIsAnsweredFromItsEndAndLaterTurnsLeaveItOutWithANote() throws Exception {
        String longMessage = ChatRoutesTest.prose(new java.util.Random(3), 2500);
        WebElement input = browser.findElement(By.id("message"));
        input.sendKeys(longMessage);
        input.sendKeys(Keys.ENTER);
        awaitAnswers(1);
        WebElement notice = browser.findElement(By.id("notice"));
        assertThat(notice.isDisplayed()).isTrue();
        assertThat(notice.getText()).contains("only its end was read");
        Browsers.screenshot(browser, "chat-long-message");

        input.sendKeys("And where is my parcel now?");
        input.sendKeys(Keys.ENTER);
        awaitAnswers(2);
        assertThat(notice.getText()).contains("Earlier messages were left out");

        List<Message> messages = visible(conversationId());
        assertThat(messages).as(describe(messages)).hasSize(4);
        assertThat(messages.get(0).content()).isEqualTo(longMessage); // stored whole, only the model read its end
    }

    @Test
    void aRefusedMessageGoesBackToTheBoxAndIsNotStored() throws Exception {
        send("Hello");
        UUID conversation = conversationId();
        ConversationRepository repository = new ConversationRepository(kaizen.sessions());
        fillToOneShortOfTheLimit(repository, conversation);

        WebElement input = browser.findElement(By.id("message"));
        input.sendKeys("Where is my refund?");
        input.sendKeys(Keys.ENTER);
        WebElement notice = browser.findElement(By.id("notice"));
        wait.until(d -> notice.isDisplayed() && notice.getText().contains("full"));
        wait.until(ExpectedConditions.elementToBeClickable(By.id("send")));
        assertThat(input.getAttribute("value")).isEqualTo("Where is my refund?");
        assertThat(browser.findElements(By.cssSelector(".message.user"))).extracting(WebElement::getText)
                .containsExactly("Hello");
        assertThat(visible(conversation)).hasSize(199);
        assertThat(await(repository.messages(conversation))).noneMatch(m -> m.content().equals("Where is my refund?"));
    }

    /** Fills the conversation up to one message short of limits.conversation-messages (200). */
    private static void fillToOneShortOfTheLimit(ConversationRepository repository, UUID conversation)
            throws Exception {
        List<Message> before = await(repository.messages(conversation));
        UUID parent = before.get(before.size() - 1).id();
        List<Message> more = new java.util.ArrayList<>();
        for (int i = 0; i < 197; i++) {
            Message m = Message.written(conversation, parent, i % 2 == 0 ? Message.Author.user
                    : Message.Author.assistant, "turn " + i);
            more.add(m);
            parent = m.id();
        }
        await(repository.append(conversation, more, parent));
    }

    @Test
    void regenerateShowsAAndBAndTheVoteIsStored() throws Exception {
        send("I want to cancel my order");
        browser.findElement(By.cssSelector(".message.assistant .regenerate")).click();
        WebElement pair = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".pair .verdicts")));
        List<WebElement> sides = browser.findElements(By.cssSelector(".pair .side"));
        assertThat(sides).hasSize(2);
        String chosenId = sides.get(1).getAttribute("data-id");
        Browsers.screenshot(browser, "chat-pairwise");
        pair.findElement(By.cssSelector("button[data-choice='b']")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".pair")));

        UUID conversation = conversationId();
        List<Message> messages = await(new ConversationRepository(kaizen.sessions()).messages(conversation));
        Message question = messages.stream().filter(m -> m.role() == Message.Author.user).findFirst().orElseThrow();
        List<PairwiseComparison> comparisons = await(new FeedbackRepository(kaizen.sessions())
                .comparisonsFor(question.id()));
        assertThat(comparisons).singleElement().satisfies(c -> {
            assertThat(c.choice()).contains(PairwiseComparison.Choice.B);
            assertThat(c.answerBId().toString()).isEqualTo(chosenId);
        });
        // The chosen answer now continues the conversation on the page, saying which version wrote which side.
        wait.until(d -> d.findElements(By.cssSelector(".message.assistant")).stream()
                .anyMatch(e -> chosenId.equals(e.getAttribute("data-id"))));
        String version = stored(conversation).stream().filter(m -> m.id().toString().equals(chosenId)).findFirst()
                .orElseThrow().modelVersion();
        assertThat(browser.findElement(By.cssSelector(".message.assistant[data-id='" + chosenId + "'] .model-version"))
                .getText()).isEqualTo("Written by " + version + " · A: " + version + ", B: " + version
                + " (you chose B)");
        assertThat(Files.exists(kaizen.home())).isTrue();
    }

    private List<Message> stored(UUID conversation) throws Exception {
        return await(new ConversationRepository(kaizen.sessions()).messages(conversation));
    }

    @Test
    void aChoiceInAnOlderPairKeepsTheLaterTurnsInView() throws Exception {
        send("I want to cancel my order");
        browser.findElement(By.cssSelector(".message.assistant .regenerate")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".pair .verdicts")));
        // the composer stays open while the pair waits: two more turns
        send("It was order 1234");
        send("Thank you");
        UUID conversation = conversationId();
        UUID head = await(kaizen.sessions().withSession(s -> s.find(Conversation.class, conversation)))
                .currentMessageId();
        int shown = browser.findElements(By.cssSelector("#messages .message")).size();

        browser.findElement(By.cssSelector(".pair button[data-choice='b']")).click();
        WebElement note = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".pair .pair-note")));
        assertThat(note.getText()).contains("saved").contains("continue from answer A");
        assertThat(note.getAttribute("role")).isEqualTo("status");
        assertThat(browser.findElement(By.cssSelector(".pair button[data-choice='b']")).getAttribute("aria-pressed"))
                .isEqualTo("true");
        Browsers.screenshot(browser, "chat-older-pair-chosen");
        assertThat(browser.findElements(By.cssSelector("#messages .message"))).hasSize(shown);

        // stored: the preference, and the conversation still ends where it ended; a reload shows every turn
        Message question = stored(conversation).stream().filter(m -> m.role() == Message.Author.user)
                .findFirst().orElseThrow();
        assertThat(await(new FeedbackRepository(kaizen.sessions()).comparisonsFor(question.id())))
                .singleElement().satisfies(c -> assertThat(c.choice()).contains(PairwiseComparison.Choice.B));
        assertThat(await(kaizen.sessions().withSession(s -> s.find(Conversation.class, conversation)))
                .currentMessageId()).isEqualTo(head);
        browser.navigate().refresh();
        wait.until(d -> d.findElements(By.cssSelector("#messages .message.user")).size() == 3);
        assertThat(browser.findElement(By.id("messages")).getText()).contains("Thank you");
    }

    @Test
    void sendClickedTwiceStartsOneConversationWithOneAnswer() throws Exception {
        WebElement input = browser.findElement(By.id("message"));
        input.sendKeys("Where is my parcel?");
        new org.openqa.selenium.interactions.Actions(browser).doubleClick(browser.findElement(By.id("send"))).perform();
        input.sendKeys(Keys.ENTER);
        wait.until(d -> d.getCurrentUrl().contains("c="));
        wait.until(d -> !d.findElements(By.cssSelector(".message.assistant .content")).isEmpty());
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("stop")));
        UUID conversation = conversationId();
        String owner = principalOf(conversation);
        assertThat(await(new ConversationRepository(kaizen.sessions()).list(owner, 10))).hasSize(1);
        // one question, answered once; the review queue's background worker may add candidate answers beside it
        assertThat(stored(conversation)).filteredOn(m -> m.role() == Message.Author.user).hasSize(1);
        assertThat(visible(conversation)).extracting(Message::role)
                .containsExactly(Message.Author.user, Message.Author.assistant);
        assertThat(browser.findElements(By.cssSelector("#messages .message"))).hasSize(2);
    }

    @Test
    void backReturnsToTheConversationOpenedBefore() throws Exception {
        send("First conversation");
        UUID first = conversationId();
        browser.findElement(By.id("new-conversation")).click();
        send("Second conversation");
        UUID second = conversationId();
        assertThat(second).isNotEqualTo(first);
        wait.until(d -> d.findElements(By.cssSelector("#conversation-list a")).size() == 2);
        browser.findElement(By.xpath("//ul[@id='conversation-list']//a[text()='First conversation']")).click();
        wait.until(d -> d.getCurrentUrl().endsWith("c=" + first));

        // The empty page a first message was sent from became that conversation: Back goes from conversation
        // to conversation.
        browser.navigate().back();
        wait.until(d -> d.getCurrentUrl().endsWith("c=" + second));
        wait.until(d -> d.findElement(By.id("messages")).getText().contains("Second conversation"));
        assertThat(browser.findElement(By.id("messages")).getText()).doesNotContain("First conversation");
        browser.navigate().back();
        wait.until(d -> d.getCurrentUrl().endsWith("c=" + first));
        wait.until(d -> d.findElement(By.id("messages")).getText().contains("First conversation"));
        browser.navigate().forward();
        wait.until(d -> d.getCurrentUrl().endsWith("c=" + second));
        wait.until(d -> d.findElement(By.id("messages")).getText().contains("Second conversation"));
    }

    @Test
    void anErrorIsAnnouncedAsAnAlert() {
        // a message longer than the page's limit is refused by the server (the text area's maxlength is removed)
        WebElement input = browser.findElement(By.id("message"));
        browser.executeScript("arguments[0].removeAttribute('maxlength')", input);
        browser.executeScript("arguments[0].value = 'x'.repeat(5000)", input);
        input.sendKeys(Keys.ENTER);
        WebElement notice = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("notice")));
        assertThat(notice.getAttribute("role")).isEqualTo("alert");
        assertThat(notice.getText()).contains("longer than");
    }

    /**
     * Answers read as Markdown (lists, bold, code, links that open apart with rel=noopener) and never as HTML: the
     * model's tags show as text and nothing runs; each answer names the model version that wrote it; messages take
     * their direction from their text.
     */
    @Test
    void answersAreSafeMarkdownWithTheirModelVersion() throws Exception {
        send("Hello");
        UUID first = conversationId();
        String streamedVersion = stored(first).stream().filter(m -> m.role() == Message.Author.assistant)
                .findFirst().orElseThrow().modelVersion();
        assertThat(browser.findElement(By.cssSelector(".message.assistant .model-version")).getText())
                .isEqualTo("Written by " + streamedVersion);

        ConversationRepository conversations = new ConversationRepository(kaizen.sessions());
        Conversation c = await(conversations.create(new Conversation(UUID.randomUUID(), principalOf(first),
                "Formatting", "You help customers.")));
        Message q = Message.written(c.id(), null, Message.Author.user, "كيف أسترد أموالي؟");
        Message a = Message.answer(UUID.randomUUID(), c.id(), q.id(), """
                To get a **refund**:

                - open `Order History`
                - choose *Return*

                See [our help](https://example.com/help). <img src=x onerror="document.title='pwned'">
                <script>document.title='pwned'</script>""",
                new Message.Generation("support-v7", "{}", 8, 20, 5, 1, "stop"));
        await(conversations.append(c.id(), List.of(q, a), a.id()));

        browser.get("http://127.0.0.1:" + kaizen.port() + "/?c=" + c.id());
        WebElement content = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector(".message.assistant .content")));
        assertThat(content.findElement(By.tagName("strong")).getText()).isEqualTo("refund");
        assertThat(content.findElements(By.cssSelector("ul > li"))).extracting(WebElement::getText)
                .containsExactly("open Order History", "choose Return");
        assertThat(content.findElement(By.tagName("code")).getText()).isEqualTo("Order History");
        assertThat(content.findElement(By.tagName("em")).getText()).isEqualTo("Return");
        WebElement link = content.findElement(By.tagName("a"));
        assertThat(link.getAttribute("href")).isEqualTo("https://example.com/help");
        assertThat(link.getAttribute("rel")).isEqualTo("noopener noreferrer");
        assertThat(link.getAttribute("target")).isEqualTo("_blank");
        assertThat(content.findElements(By.cssSelector("img, script"))).isEmpty();
        assertThat(content.getText()).contains("<img src=x", "<script>");
        assertThat(browser.getTitle()).doesNotContain("pwned");
        assertThat(browser.findElement(By.cssSelector(".message.assistant .model-version")).getText())
                .isEqualTo("Written by support-v7");
        // Arabic reads right to left, the answer left to right: each message by its own text
        WebElement question = browser.findElement(By.cssSelector(".message.user"));
        assertThat(question.getAttribute("dir")).isEqualTo("auto");
        assertThat(question.getCssValue("direction")).isEqualTo("rtl");
        assertThat(content.getCssValue("direction")).isEqualTo("ltr");
        assertThat(browser.findElement(By.id("message")).getAttribute("dir")).isEqualTo("auto");
    }

    /** The stars are one radio group: Tab reaches it once, the arrow keys choose, and the choice is stored. */
    @Test
    void starsAreAnAccessibleRadioGroup() throws Exception {
        send("My parcel is late");
        WebElement group = browser.findElement(By.cssSelector(".message.assistant .stars"));
        assertThat(group.getAttribute("role")).isEqualTo("radiogroup");
        List<WebElement> stars = group.findElements(By.cssSelector("[role=radio]"));
        assertThat(stars).hasSize(5).extracting(e -> e.getAttribute("aria-label"))
                .containsExactly("1 star", "2 stars", "3 stars", "4 stars", "5 stars");
        assertThat(stars).extracting(e -> e.getAttribute("tabindex")).containsExactly("0", "-1", "-1", "-1", "-1");
        // from the thumbs' last button, Tab lands on the group's one stop; the arrows then move and choose
        browser.findElement(By.cssSelector(".message.assistant .thumbs-down")).sendKeys(Keys.TAB);
        assertThat(browser.switchTo().activeElement().getAttribute("aria-label")).isEqualTo("1 star");
        browser.switchTo().activeElement().sendKeys(Keys.ARROW_RIGHT);
        browser.switchTo().activeElement().sendKeys(Keys.ARROW_RIGHT);
        browser.switchTo().activeElement().sendKeys(Keys.ARROW_RIGHT);
        browser.switchTo().activeElement().sendKeys(Keys.ARROW_LEFT);
        wait.until(d -> "true".equals(stars.get(2).getAttribute("aria-checked")));
        assertThat(browser.switchTo().activeElement().getAttribute("aria-label")).isEqualTo("3 stars");
        assertThat(stars).extracting(e -> e.getAttribute("tabindex")).containsExactly("-1", "-1", "0", "-1", "-1");
        UUID answer = UUID.fromString(browser.findElement(By.cssSelector(".message.assistant")).getAttribute("data-id"));
        String principal = principalOf(conversationId());
        wait.until(d -> {
            try {
                List<Rating> ratings = await(new FeedbackRepository(kaizen.sessions())
                        .ratingsBy(principal, List.of(answer)));
                return !ratings.isEmpty() && Integer.valueOf(3).equals(ratings.get(0).stars());
            } catch (Exception e) {
                return false;
            }
        });
    }

    /**
     * A first message edited in place (Escape cancels, Enter saves) becomes a second version with its own answer;
     * the "‹ 1 / 2 ›" switcher, by mouse or keyboard, goes back to the first version and its answer, and a reload
     * shows the branch chosen last.
     */
    @Test
    void editAMessageThenSwitchBackToTheFirstVersionAndItsAnswer() throws Exception {
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // a switch redraws the branch
        send("Where is my order?");
        UUID conversation = conversationId();
        List<Message> firstBranch = visible(conversation);
        String firstAnswer = firstBranch.get(1).id().toString();

        browser.findElement(By.cssSelector(".user-turn button.edit")).click();
        WebElement box = browser.switchTo().activeElement();
        assertThat(box.getAttribute("class")).isEqualTo("edit-box");
        assertThat(box.getAttribute("value")).isEqualTo("Where is my order?");
        box.sendKeys(" now", Keys.ESCAPE);
        wait.until(d -> d.findElements(By.cssSelector(".edit-box")).isEmpty());
        assertThat(browser.findElement(By.cssSelector(".message.user")).getText()).isEqualTo("Where is my order?");

        browser.findElement(By.cssSelector(".user-turn button.edit")).click();
        box = browser.switchTo().activeElement();
        box.sendKeys(Keys.chord(Keys.CONTROL, "a"), "Where is my order 48213?");
        Browsers.screenshot(browser, "chat-edit");
        box.sendKeys(Keys.ENTER);
        wait.until(d -> d.findElements(By.cssSelector(".user-turn .branch-switcher .position")).stream()
                .anyMatch(p -> p.getText().equals("2 / 2")));
        awaitAnswers(1);
        WebElement answer = browser.findElement(By.cssSelector("#messages > .message.assistant"));
        assertThat(answer.getAttribute("data-id")).isNotEqualTo(firstAnswer);
        assertThat(browser.findElement(By.cssSelector(".message.user")).getText()).isEqualTo("Where is my order 48213?");
        List<Message> secondBranch = visible(conversation);
        assertThat(secondBranch).as(describe(secondBranch)).extracting(Message::content).first()
                .isEqualTo("Where is my order 48213?");
        assertThat(secondBranch.get(0).parentId()).isNull();
        assertThat(secondBranch.get(1).id().toString()).isEqualTo(answer.getAttribute("data-id"));
        assertThat(stored(conversation)).extracting(Message::id).contains(firstBranch.get(0).id(),
                firstBranch.get(1).id());
        Browsers.screenshot(browser, "chat-edited");

        WebElement previous = browser.findElement(By.cssSelector(".user-turn button[aria-label='Previous version']"));
        assertThat(browser.findElement(By.cssSelector(".user-turn .branch-switcher")).getAttribute("aria-label"))
                .isEqualTo("Version 2 of 2");
        previous.click();
        wait.until(d -> firstAnswer.equals(d.findElement(By.cssSelector("#messages > .message.assistant"))
                .getAttribute("data-id")));
        assertThat(browser.findElement(By.cssSelector(".message.user")).getText()).isEqualTo("Where is my order?");
        assertThat(browser.findElement(By.cssSelector(".user-turn .position")).getText()).isEqualTo("1 / 2");
        assertThat(visible(conversation)).extracting(Message::id).containsExactly(firstBranch.get(0).id(),
                firstBranch.get(1).id());

        // the focus stays on the switcher: Enter goes forward again, and back
        WebElement focused = browser.switchTo().activeElement();
        assertThat(focused.getAttribute("aria-label")).isEqualTo("Next version");
        focused.sendKeys(Keys.ENTER);
        wait.until(d -> d.findElement(By.cssSelector(".message.user")).getText().equals("Where is my order 48213?"));
        browser.switchTo().activeElement().sendKeys(Keys.ENTER);
        wait.until(d -> d.findElement(By.cssSelector(".message.user")).getText().equals("Where is my order?"));

        browser.navigate().refresh();
        wait.until(d -> firstAnswer.equals(d.findElement(By.cssSelector("#messages > .message.assistant"))
                .getAttribute("data-id")));
        assertThat(browser.findElement(By.cssSelector(".message.user")).getText()).isEqualTo("Where is my order?");
        assertThat(browser.findElement(By.cssSelector(".user-turn .position")).getText()).isEqualTo("1 / 2");
    }

    /** An edit the server refuses (here: the conversation is full) leaves the page as it was, the text in the box. */
    @Test
    void aRefusedEditKeepsTheBranchAndTheEditedText() throws Exception {
        send("Hello");
        UUID conversation = conversationId();
        ConversationRepository repository = new ConversationRepository(kaizen.sessions());
        fillToOneShortOfTheLimit(repository, conversation);
        browser.navigate().refresh();
        wait.until(d -> d.findElements(By.cssSelector("#messages .message")).size() == 199);

        browser.findElement(By.cssSelector(".user-turn button.edit")).click();
        browser.switchTo().activeElement().sendKeys(Keys.chord(Keys.CONTROL, "a"), "Hello again", Keys.ENTER);
        WebElement notice = browser.findElement(By.id("notice"));
        wait.until(d -> notice.isDisplayed() && notice.getText().contains("full"));
        WebElement box = browser.findElement(By.cssSelector(".user-turn .edit-box"));
        assertThat(box.getAttribute("value")).isEqualTo("Hello again");
        assertThat(browser.switchTo().activeElement()).isEqualTo(box);
        assertThat(browser.findElements(By.cssSelector("#messages .message"))).hasSize(198); // the edited one is a box
        assertThat(await(repository.messages(conversation))).noneMatch(m -> m.content().equals("Hello again"));
        box.sendKeys(Keys.ESCAPE);
        assertThat(browser.findElement(By.cssSelector(".message.user")).getText()).isEqualTo("Hello");
    }

    /** Conversations are found by their words, renamed in place and deleted (after a question) for good. */
    @Test
    void searchRenameAndDeleteConversations() throws Exception {
        send("Where is my parcel");
        UUID parcel = conversationId();
        browser.findElement(By.id("new-conversation")).click();
        send("Refund for order 42");
        UUID refund = conversationId();
        wait.until(d -> d.findElements(By.cssSelector("#conversation-list li a")).size() >= 2);

        WebElement search = browser.findElement(By.id("conversation-search"));
        search.sendKeys("REFUND");
        wait.until(d -> titles().equals(List.of("Refund for order 42")));
        search.clear();
        search.sendKeys("parcel");
        wait.until(d -> titles().equals(List.of("Where is my parcel")));
        search.clear();
        search.sendKeys("no such words anywhere");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("conversation-list"),
                "No conversation holds “no such words anywhere”."));
        search.clear();
        search.sendKeys(" ", Keys.BACK_SPACE);
        wait.until(d -> titles().containsAll(List.of("Refund for order 42", "Where is my parcel")));

        WebElement item = browser.findElement(By.cssSelector("#conversation-list li[data-id='" + parcel + "']"));
        item.findElement(By.cssSelector("button.rename")).click();
        WebElement box = browser.switchTo().activeElement();
        assertThat(box.getAttribute("class")).isEqualTo("rename-box");
        box.sendKeys(Keys.chord(Keys.CONTROL, "a"), "Late parcel", Keys.ENTER);
        wait.until(d -> titles().contains("Late parcel"));
        ConversationRepository conversations = new ConversationRepository(kaizen.sessions());
        String owner = principalOf(parcel);
        assertThat(await(conversations.find(parcel, owner)).orElseThrow().title()).isEqualTo("Late parcel");

        // deleting the open conversation: asked first, then gone from the list, the page and the database
        browser.findElement(By.cssSelector("#conversation-list li[data-id='" + refund + "'] button.delete")).click();
        wait.until(ExpectedConditions.alertIsPresent());
        assertThat(browser.switchTo().alert().getText()).startsWith("Delete “Refund for order 42”");
        browser.switchTo().alert().accept();
        wait.until(d -> !titles().contains("Refund for order 42") && d.getCurrentUrl().endsWith("/"));
        assertThat(browser.findElements(By.cssSelector("#messages .message"))).isEmpty();
        assertThat(await(conversations.find(refund, owner))).isEmpty();
        assertThat(await(conversations.messages(refund))).isEmpty();
    }

    /** The titles listed, read in one step: the list is redrawn as the search changes. */
    @SuppressWarnings("unchecked")
    private List<String> titles() {
        return (List<String>) browser.executeScript(
                "return [...document.querySelectorAll('#conversation-list li a')].map(a => a.textContent)");
    }
}
