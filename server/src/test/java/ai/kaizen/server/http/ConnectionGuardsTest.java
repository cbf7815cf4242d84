package ai.kaizen.server.http;

import ai.kaizen.server.RunningServer;
import ai.kaizen.server.TestClient;
import ai.kaizen.server.config.ConfigKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a raw TCP client can do to the real server below the router: smuggle a request through ambiguous framing,
 * hold a connection open without ever finishing a request, or simply go quiet.
 */
class ConnectionGuardsTest {

    private static final int TIMEOUT_SECONDS = 2;

    @RegisterExtension
    static final RunningServer kaizen = new RunningServer(Map.of(
            ConfigKey.HTTP_IDLE_TIMEOUT_SECONDS, String.valueOf(TIMEOUT_SECONDS)));

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", kaizen.port());
        socket.setSoTimeout(15_000);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Everything the server sends until it closes the connection (or 15 s pass). */
    private static String readToClose(Socket socket) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection; it sent: " + all, e);
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aRequestWithBothContentLengthAndTransferEncodingIsRefusedAndNothingIsSmuggled() throws Exception {
        try (Socket socket = connect()) {
            // Framed by Content-Length, the body is "0\r\n\r\nGET /no/such/page ..."; framed as chunked, a second
            // request follows an empty body. Neither may be served.
            String smuggled = "GET /no/such/page HTTP/1.1\r\nHost: x\r\n\r\n";
            String body = "0\r\n\r\n" + smuggled;
            send(socket, "POST /health HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
            String answer = readToClose(socket);
            assertThat(answer).startsWith("HTTP/1.1 400 ");
            assertThat(answer).contains("both Content-Length and Transfer-Encoding");
            assertThat(answer.split("HTTP/1.1 ", -1)).as("one answer only: " + answer).hasSize(2);
        }
    }

    @Test
    void aRequestWithTransferEncodingAloneIsServed() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\n");
            assertThat(readToClose(socket)).startsWith("HTTP/1.1 200 ").contains("\"status\":\"UP\"");
        }
    }

    @Test
    void aConnectionThatNeverSendsARequestIsClosed() throws Exception {
        try (Socket socket = connect()) {
            long start = System.nanoTime();
            assertThat(readToClose(socket)).isEmpty();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .isBetween(TIMEOUT_SECONDS * 1000L - 200, TIMEOUT_SECONDS * 1000L + 5000);
        }
    }

    @Test
    void aClientTricklingItsHeadersIsClosedAtTheBound() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /health HTTP/1.1\r\nHost: x\r\n");
            long start = System.nanoTime();
            // one byte every 300 ms: never idle long enough for an idle timeout, and never a whole request
            while (!socket.isClosed() && TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 12) {
                try {
                    send(socket, "X");
                } catch (IOException closed) {
                    break;
                }
                socket.setSoTimeout(300);
                try {
                    if (socket.getInputStream().read() < 0) {
                        break;
                    }
                } catch (SocketTimeoutException stillOpen) {
                    // go on trickling
                }
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertThat(seconds).as("closed after %d s", seconds).isLessThan(TIMEOUT_SECONDS + 4);
        }
    }

    @Test
    void aKeptAliveConnectionServesRequestsThenClosesWhenIdle() throws Exception {
        try (Socket socket = connect()) {
            for (int i = 0; i < 2; i++) {
                send(socket, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
                byte[] head = new byte[12];
                assertThat(socket.getInputStream().readNBytes(head, 0, 12)).isEqualTo(12);
                assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
                Thread.sleep(TIMEOUT_SECONDS * 1000L / 2);
                socket.getInputStream().skipNBytes(socket.getInputStream().available());
            }
            long start = System.nanoTime();
            readToClose(socket);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(TIMEOUT_SECONDS * 1000L + 5000);
        }
    }

    @Test
    void anOverlongRequestLineGets414AndOverlongHeadersGet431SayingTheLimit() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /api/conversations/" + "x".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            // HTTP/1.0 in the status line: the request's own version was never read
            assertThat(readToClose(socket)).startsWith("HTTP/1.0 414 ")
                    .contains("{\"error\":\"the request line is longer than 4096 bytes\"}");
        }
        try (Socket socket = connect()) {
            send(socket, "GET /health HTTP/1.1\r\nHost: x\r\nX-Junk: " + "y".repeat(9000) + "\r\n\r\n");
            assertThat(readToClose(socket)).contains(" 431 ")
                    .contains("{\"error\":\"the request headers are longer than 8192 bytes\"}");
        }
    }

    /** The server refuses the request at its first line and closes while the body is still coming. */
    @Test
    void aClientStillSendingItsBodyWhenRefusedGetsTheAnswer() throws Exception {
        TestClient client = kaizen.client();
        for (int i = 0; i < 300; i++) {
            HttpResponse<String> response = client.send("POST", "/api/conversations/" + "x".repeat(9000),
                    HttpRequest.BodyPublishers.ofByteArray(new byte[300_000 + 1000 * i]));
            assertThat(response.statusCode()).isEqualTo(414);
        }
    }
}
