package ai.kaizen.db.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A prompt's digest: equal for the same prompt word for word, different for any other. */
class MessageTest {

    private static final UUID CONVERSATION = UUID.randomUUID();

    private static Message user(String text) {
        return Message.written(CONVERSATION, null, Message.Author.user, text);
    }

    private static Message assistant(String text) {
        return Message.written(CONVERSATION, null, Message.Author.assistant, text);
    }

    @Test
    void theSamePromptInAnotherConversationHasTheSameDigest() {
        byte[] digest = Message.promptSha256("Be kind.", List.of(user("hi"), assistant("Hello!"), user("refund")));
        Message elsewhere = Message.written(UUID.randomUUID(), UUID.randomUUID(), Message.Author.user, "refund");
        assertThat(Message.promptSha256("Be kind.", List.of(user("hi"), assistant("Hello!"), elsewhere)))
                .hasSize(32).isEqualTo(digest);
    }

    @Test
    void theSystemPromptEveryTurnItsRoleAndWhereTextsEndCount() {
        byte[] digest = Message.promptSha256("Be kind.", List.of(user("ab"), user("c")));
        assertThat(Message.promptSha256("", List.of(user("ab"), user("c")))).isNotEqualTo(digest);
        assertThat(Message.promptSha256("Be kind.", List.of(user("a"), user("bc")))).isNotEqualTo(digest);
        assertThat(Message.promptSha256("Be kind.", List.of(user("ab"), assistant("c")))).isNotEqualTo(digest);
        assertThat(Message.promptSha256("Be kind.", List.of(user("c")))).isNotEqualTo(digest);
        assertThat(Message.promptSha256("Be kind.ab", List.of(user("c")))).isNotEqualTo(digest);
    }
}
