package ai.kaizen.server.chat;

import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.model.Fixtures;
import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Editing one's message and moving between branches, over real HTTP with the real stories260k model and the real
 * (embedded) database, while the review queue's background worker samples candidate answers beside the users'.
 */
class ChatBranchesTest {

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.MODEL_DIR, Fixtures.stories260k().toString(),
            ConfigKey.CHAT_MAX_NEW_TOKENS, "16",
            ConfigKey.CHAT_PAIRWISE_PROBABILITY, "0",
            ConfigKey.LIMITS_MESSAGE_CHARS, "4000",
            ConfigKey.LIMITS_MESSAGES_PER_MINUTE, "1000"));

    private static TestClient user() throws Exception {
        return kaizen.client().openChat();
    }

    private static String newConversation(TestClient client) throws Exception {
        return client.json("POST", "/api/conversations", new JsonObject()).getString("id");
    }

    /** Sends a message; the start event (the question's id, its answers' ids). */
    private static JsonObject send(TestClient client, String conversation, String text) throws Exception {
        TestClient.Stream stream = client.stream("/api/conversations/" + conversation + "/messages",
                new JsonObject().put("content", text));
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.named("end")).hasSize(1);
        return stream.first("start").data();
    }

    private static JsonObject show(TestClient client, String conversation) throws Exception {
        HttpResponse<String> response = client.get("/api/conversations/" + conversation);
        assertThat(response.statusCode()).isEqualTo(200);
        return new JsonObject(response.body());
    }

    private static List<String> ids(JsonObject conversation) {
        return conversation.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getString("id")).toList();
    }

    private static JsonObject showBranch(TestClient client, String conversation, String messageId) throws Exception {
        HttpResponse<String> response = client.send("PUT", "/api/conversations/" + conversation + "/current",
                new JsonObject().put("message_id", messageId).encode());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonObject(response.body());
    }

    private static Conversation stored(String conversation) throws Exception {
        return await(kaizen.sessions().withSession(s -> s.find(Conversation.class,
                UUID.fromString(conversation))));
    }

    private static List<Message> messages(String conversation) throws Exception {
        return await(new ConversationRepository(kaizen.sessions()).messages(UUID.fromString(conversation)));
    }

    @Test
    void anEditIsASiblingWithItsOwnAnswerAndTheOldBranchStaysOneSwitchAway() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        JsonObject first = send(client, id, "Where is my order?");
        String question = first.getString("user_message_id");
        JsonObject second = send(client, id, "Thank you");
        String lastAnswer = second.getJsonArray("answers").getString(0);
        List<String> oldBranch = ids(show(client, id));
        assertThat(oldBranch).hasSize(4);

        TestClient.Stream edited = client.stream("/api/messages/" + question + "/edit",
                new JsonObject().put("content", "  Where is my order 48213?  ").put("request_id", "edit-once-1"));
        assertThat(edited.status()).isEqualTo(200);
        JsonObject start = edited.first("start").data();
        String version = start.getString("user_message_id");
        String answer = start.getJsonArray("answers").getString(0);
        assertThat(edited.text(answer)).isNotBlank();
        assertThat(edited.named("end")).hasSize(1);

        // the new version is a sibling of the first (the same parent: none), answered, and now the visible branch
        JsonObject now = show(client, id);
        assertThat(ids(now)).containsExactly(version, answer);
        JsonObject shownQuestion = now.getJsonArray("messages").getJsonObject(0);
        assertThat(shownQuestion.getString("content")).isEqualTo("Where is my order 48213?");
        assertThat(shownQuestion.getJsonArray("siblings")).containsExactly(question, version);
        assertThat(shownQuestion.getInteger("sibling_index")).isEqualTo(1);
        assertThat(now.getJsonArray("messages").getJsonObject(1).getJsonArray("siblings")).containsExactly(answer);
        assertThat(now.getString("title")).as("an edit keeps the title").isEqualTo("Where is my order?");
        Message stored = messages(id).stream().filter(m -> m.id().toString().equals(version)).findFirst().orElseThrow();
        assertThat(stored.parentId()).isNull();
        assertThat(stored.role()).isEqualTo(Message.Author.user);
        assertThat(stored(id).currentMessageId().toString()).isEqualTo(answer);
        // nothing was deleted: the first version's whole branch is still stored
        assertThat(messages(id)).extracting(m -> m.id().toString()).containsAll(oldBranch);

        // the same request id again: refused, nothing new
        long before = usersMessages(id);
        TestClient.Stream again = client.stream("/api/messages/" + question + "/edit",
                new JsonObject().put("content", "Where is my order 48213?").put("request_id", "edit-once-1"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(new JsonObject(again.body()).getString("error")).contains("already sent");
        assertThat(usersMessages(id)).isEqualTo(before);

        // back to the first version: its branch down to its newest leaf, stored, so a reload shows it too
        JsonObject back = showBranch(client, id, question);
        assertThat(ids(back)).isEqualTo(oldBranch);
        assertThat(back.getJsonArray("messages").getJsonObject(0).getInteger("sibling_index")).isEqualTo(0);
        assertThat(stored(id).currentMessageId().toString()).isEqualTo(lastAnswer);
        assertThat(ids(show(client, id))).isEqualTo(oldBranch);

        // and forward again; a message sent now continues the branch on screen
        assertThat(ids(showBranch(client, id, version))).containsExactly(version, answer);
        JsonObject third = send(client, id, "Can it come sooner?");
        assertThat(ids(show(client, id))).containsExactly(version, answer, third.getString("user_message_id"),
                third.getJsonArray("answers").getString(0));
    }

    /** How many messages the user and the chat wrote (the review worker may add candidates meanwhile). */
    private static long usersMessages(String conversation) throws Exception {
        return messages(conversation).stream().filter(m -> !m.reviewOnly()).count();
    }

    @Test
    void answersTheReviewQueueSamplesAreNeverBranches() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        JsonObject start = send(client, id, "I want a refund");
        UUID question = UUID.fromString(start.getString("user_message_id"));
        String answer = start.getJsonArray("answers").getString(0);

        // the background worker stores a ranking task's candidates as answers beside the user's (newer than it)
        ReviewTask task = awaitRankTask(question);
        List<Message> all = messages(id);
        List<Message> candidates = all.stream().filter(m -> task.candidateIds().contains(m.id())
                && !m.id().toString().equals(answer)).toList();
        assertThat(candidates).isNotEmpty().allSatisfy(m -> {
            assertThat(m.parentId()).isEqualTo(question);
            assertThat(m.reviewOnly()).isTrue();
        });
        assertThat(all).filteredOn(m -> m.id().toString().equals(answer)).singleElement()
                .satisfies(m -> assertThat(m.reviewOnly()).isFalse());

        JsonObject shown = show(client, id);
        assertThat(shown.getJsonArray("messages").getJsonObject(1).getJsonArray("siblings")).containsExactly(answer);
        // switching to the question lands on the user's answer, not on a newer candidate
        assertThat(ids(showBranch(client, id, question.toString()))).containsExactly(question.toString(), answer);
        // and a candidate is no branch to show
        HttpResponse<String> refused = client.send("PUT", "/api/conversations/" + id + "/current",
                new JsonObject().put("message_id", candidates.get(0).id().toString()).encode());
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(stored(id).currentMessageId().toString()).isEqualTo(answer);
    }

    private static ReviewTask awaitRankTask(UUID question) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            Optional<ReviewTask> task = await(kaizen.sessions().withSession(s -> s.createSelectionQuery(
                            "from ReviewTask where promptMessageId = :q", ReviewTask.class)
                    .setParameter("q", question).getResultList()))
                    .stream().filter(t -> t.kind() == ReviewTask.Kind.RANK).findFirst();
            if (task.isPresent()) {
                return task.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the review worker made no ranking task for " + question);
    }

    @Test
    void regeneratedAnswersAreSiblingsAndASwitchBackLandsOnTheChosenSide() throws Exception {
        TestClient client = user();
        String id = newConversation(client);
        JsonObject start = send(client, id, "Cancel my order");
        String question = start.getString("user_message_id");
        String original = start.getJsonArray("answers").getString(0);
        TestClient.Stream pair = client.stream("/api/messages/" + original + "/regenerate", new JsonObject());
        JsonArray sides = pair.first("start").data().getJsonArray("answers");
        String a = sides.getString(0);
        String b = sides.getString(1);
        client.json("PUT", "/api/comparisons/" + pair.first("start").data().getString("comparison_id") + "/choice",
                new JsonObject().put("choice", "a"));
        JsonObject chosen = show(client, id);
        assertThat(ids(chosen)).containsExactly(question, a);
        assertThat(chosen.getJsonArray("messages").getJsonObject(1).getJsonArray("siblings"))
                .containsExactlyInAnyOrder(original, a, b).startsWith(original);

        // another version of the question, then back: the branch ends at A, the side that continues, not at B
        TestClient.Stream edited = client.stream("/api/messages/" + question + "/edit",
                new JsonObject().put("content", "Cancel order 48213"));
        assertThat(edited.status()).isEqualTo(200);
        assertThat(ids(showBranch(client, id, question))).containsExactly(question, a);
        // an answer is a branch of its own: the original answer, then B
        assertThat(ids(showBranch(client, id, original))).containsExactly(question, original);
        assertThat(ids(showBranch(client, id, b))).containsExactly(question, b);
    }

    @Test
    void othersAndBadInputGetA4xxWithAMessage() throws Exception {
        TestClient owner = user();
        String id = newConversation(owner);
        JsonObject start = send(owner, id, "hello");
        String question = start.getString("user_message_id");
        String answer = start.getJsonArray("answers").getString(0);
        String elsewhere = newConversation(owner);
        String otherQuestion = send(owner, elsewhere, "another question").getString("user_message_id");

        TestClient stranger = user();
        TestClient.Stream strangerEdit = stranger.stream("/api/messages/" + question + "/edit",
                new JsonObject().put("content", "mine now"));
        assertThat(strangerEdit.status()).isEqualTo(404);
        assertThat(new JsonObject(strangerEdit.body()).getString("error")).isEqualTo("no such message");
        HttpResponse<String> strangerSwitch = stranger.send("PUT", "/api/conversations/" + id + "/current",
                new JsonObject().put("message_id", question).encode());
        assertThat(strangerSwitch.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(strangerSwitch.body()).getString("error")).isEqualTo("no such conversation");

        TestClient.Stream editAnswer = owner.stream("/api/messages/" + answer + "/edit",
                new JsonObject().put("content", "better words"));
        assertThat(editAnswer.status()).isEqualTo(400);
        assertThat(new JsonObject(editAnswer.body()).getString("error")).contains("only your own messages");
        TestClient.Stream empty = owner.stream("/api/messages/" + question + "/edit",
                new JsonObject().put("content", "   "));
        assertThat(empty.status()).isEqualTo(400);
        assertThat(new JsonObject(empty.body()).getString("error")).isEqualTo("the message is empty");
        assertThat(owner.stream("/api/messages/" + question + "/edit", new JsonObject().put("content", 5)).status())
                .isEqualTo(400);
        assertThat(owner.stream("/api/messages/" + question + "/edit", new JsonObject().put("content", "x".repeat(4001)))
                .status()).isEqualTo(413);
        assertThat(owner.stream("/api/messages/" + UUID.randomUUID() + "/edit",
                new JsonObject().put("content", "hi")).status()).isEqualTo(404);
        assertThat(owner.stream("/api/messages/not-an-id/edit", new JsonObject().put("content", "hi")).status())
                .isEqualTo(400);

        String current = "/api/conversations/" + id + "/current";
        HttpResponse<String> fromElsewhere = owner.send("PUT", current,
                new JsonObject().put("message_id", otherQuestion).encode());
        assertThat(fromElsewhere.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(fromElsewhere.body()).getString("error")).contains("no such message");
        for (String body : List.of("{}", "{\"message_id\": 7}", "{\"message_id\": \"nope\"}", "[1]", "{bad")) {
            HttpResponse<String> bad = owner.send("PUT", current, body);
            assertThat(bad.statusCode()).as(body).isEqualTo(400);
            assertThat(new JsonObject(bad.body()).getString("error")).as(body).isNotBlank();
        }
        assertThat(owner.send("PUT", "/api/conversations/" + UUID.randomUUID() + "/current",
                new JsonObject().put("message_id", question).encode()).statusCode()).isEqualTo(404);
        // none of it changed anything
        assertThat(stored(id).currentMessageId().toString()).isEqualTo(answer);
        assertThat(messages(id)).filteredOn(m -> m.role() == Message.Author.user).hasSize(1);
    }
}
