package ai.kaizen.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The request clock on a channel whose time the test moves: it runs only while the server waits for the client. */
class SlowClientTimeoutTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();

    SlowClientTimeoutTest() {
        channel.freezeTime();
        channel.pipeline().addLast(new SlowClientTimeout(Duration.ofSeconds(10)));
    }

    private void advance(long seconds) {
        channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aConnectionThatSendsNoRequestIsClosedAtTheBound() {
        advance(9);
        assertThat(channel.isOpen()).isTrue();
        advance(2);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aRequestWhoseBodyNeverEndsIsClosedAtTheBound() {
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/conversations"));
        advance(5);
        channel.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[]{'{'})));
        advance(6);
        assertThat(channel.isOpen()).as("a trickle of bytes does not reset the clock").isFalse();
    }

    @Test
    void anAnswerThatStreamsLongerThanTheBoundIsNotCutAndTheClockRestartsAfterIt() {
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/conversations/1/messages"));
        channel.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        for (int i = 0; i < 6; i++) {
            advance(5);
            channel.writeOutbound(new DefaultHttpContent(Unpooled.wrappedBuffer("event: token\n\n".getBytes())));
        }
        assertThat(channel.isOpen()).as("30 s of streaming with a 10 s bound").isTrue();
        channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        advance(9);
        assertThat(channel.isOpen()).isTrue();
        advance(2);
        assertThat(channel.isOpen()).as("kept alive, idle after the answer").isFalse();
    }

    @Test
    void theClockWaitsWhileTheServerHasPausedReading() {
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/conversations"));
        channel.config().setAutoRead(false);
        advance(25);
        assertThat(channel.isOpen()).isTrue();
        channel.config().setAutoRead(true);
        advance(11);
        assertThat(channel.isOpen()).isFalse();
    }
}
