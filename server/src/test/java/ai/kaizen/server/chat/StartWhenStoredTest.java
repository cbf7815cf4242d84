package ai.kaizen.server.chat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class StartWhenStoredTest {

    /** Writes down what reaches the client, in order. */
    private static final class Recorded implements ChatStream {
        final List<String> events = new ArrayList<>();

        @Override
        public void start(JsonObject info) {
            events.add("start " + info.getString("id"));
        }

        @Override
        public void token(UUID answerId, String text) {
            events.add("token " + text);
        }

        @Override
        public void done(UUID answerId, JsonObject info) {
            events.add("done");
        }

        @Override
        public void end() {
            events.add("end");
        }

        @Override
        public void error(int status, String message) {
            events.add("error " + status);
        }

        @Override
        public boolean isCancelled() {
            return false;
        }
    }

    @Test
    void tokensWrittenBeforeTheAnswersAreStoredFollowTheStartEventInOrder() {
        Recorded out = new Recorded();
        StartWhenStored stream = new StartWhenStored(out);
        UUID answer = UUID.randomUUID();

        stream.token(answer, "Hello");
        stream.token(answer, ",");
        assertThat(out.events).isEmpty();

        stream.stored(new JsonObject().put("id", "a"));
        stream.token(answer, " there");
        assertThat(out.events).containsExactly("start a", "token Hello", "token ,", "token  there");
    }

    @Test
    void answersNeverStoredSendNothing() {
        Recorded out = new Recorded();
        StartWhenStored stream = new StartWhenStored(out);
        stream.token(UUID.randomUUID(), "Hello");
        assertThat(out.events).isEmpty();
    }
}
