package ai.kaizen.db.chat;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The user's branches of a conversation: versions of a question, answers to one question, where a switch lands. */
class MessageTreeTest {

    private final UUID conversation = UUID.randomUUID();
    private final List<Message> all = new ArrayList<>();

    /** A message after {@code parent}, strictly newer than every message before it. */
    private Message add(Message parent, Message.Author role, String text) throws InterruptedException {
        Thread.sleep(2);
        Message m = Message.written(conversation, parent == null ? null : parent.id(), role, text);
        all.add(m);
        return m;
    }

    private Message ask(Message parent, String text) throws InterruptedException {
        return add(parent, Message.Author.user, text);
    }

    private Message answer(Message question, String text) throws InterruptedException {
        return add(question, Message.Author.assistant, text);
    }

    @Test
    void editedVersionsAndAnswersToOneQuestionAreSiblingsOldestFirst() throws Exception {
        Message first = ask(null, "Where is my order?");
        Message answer = answer(first, "It ships today.");
        Message again = answer(first, "It left the warehouse.");
        Message edited = ask(null, "Where is my order 48213?");
        Message later = ask(answer, "Thanks");

        List<Message> anyOrder = new ArrayList<>(all);
        java.util.Collections.reverse(anyOrder);
        MessageTree tree = new MessageTree(anyOrder);
        assertThat(tree.siblings(edited)).containsExactly(first, edited);
        assertThat(tree.siblings(first)).containsExactly(first, edited);
        assertThat(tree.siblings(again)).containsExactly(answer, again);
        assertThat(tree.siblings(later)).containsExactly(later);
    }

    @Test
    void answersWrittenForReviewersAreNoBranchAndNoLandingPlace() throws Exception {
        Message question = ask(null, "Where is my order?");
        Message shown = answer(question, "It ships today.");
        Message candidate = answer(question, "A sampled candidate.").forReview();
        Message ideal = answer(question, "A reviewer's ideal answer.").forReview();

        MessageTree tree = new MessageTree(all);
        assertThat(tree.siblings(shown)).containsExactly(shown);
        assertThat(tree.find(candidate.id())).isEmpty();
        assertThat(tree.find(ideal.id())).isEmpty();
        assertThat(tree.leafUnder(question.id(), Set.of())).isEqualTo(shown.id());
    }

    @Test
    void aSwitchLandsOnTheNewestLeafUnderTheChosenMessage() throws Exception {
        Message first = ask(null, "Where is my order?");
        Message a1 = answer(first, "It ships today.");
        Message q2 = ask(a1, "When does it arrive?");
        Message a2 = answer(q2, "Tomorrow.");
        Message q2edited = ask(a1, "Can it arrive sooner?");
        Message a2edited = answer(q2edited, "Express costs more.");
        Message edited = ask(null, "Where is order 48213?");
        answer(edited, "It is on its way.");

        MessageTree tree = new MessageTree(all);
        assertThat(tree.leafUnder(first.id(), Set.of())).isEqualTo(a2edited.id());
        assertThat(tree.leafUnder(q2.id(), Set.of())).isEqualTo(a2.id());
        assertThat(tree.leafUnder(a2.id(), Set.of())).isEqualTo(a2.id());
    }

    @Test
    void ofAPairItLandsOnTheSideThatContinuesUnlessTheOtherIsChosen() throws Exception {
        Message question = ask(null, "Cancel my order");
        Message b = answer(question, "B: done."); // stored first: which side is A is random
        Message a = answer(question, "A: which order?");

        MessageTree tree = new MessageTree(all);
        assertThat(tree.leafUnder(question.id(), Set.of(b.id()))).isEqualTo(a.id());
        assertThat(tree.leafUnder(b.id(), Set.of(b.id()))).as("picked itself").isEqualTo(b.id());
        Message onB = ask(b, "Thanks");
        assertThat(new MessageTree(all).leafUnder(question.id(), Set.of(b.id()))).as("continued under B")
                .isEqualTo(onB.id());
    }

    @Test
    void anUnknownMessageIsNoPlaceToLand() {
        assertThatThrownBy(() -> new MessageTree(all).leafUnder(UUID.randomUUID(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
