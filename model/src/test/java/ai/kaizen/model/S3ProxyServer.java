package ai.kaizen.model;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 server for the trainer's and the server's tests: S3Proxy (from Maven Central) over a directory, run as a process of its own from its
 * jar-with-dependencies, which the build copies to the path in the system property {@code s3proxy.jar} (its
 * libraries would clash with ours on one classpath). Requests are signed and checked (AWS signature v4).
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = "kaizen-test";
    public static final String SECRET_KEY = "kaizen-test-secret";

    private final Process process;
    private final URI endpoint;

    private S3ProxyServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /** Starts S3Proxy with its buckets under {@code dir}; waits until it answers. */
    public static S3ProxyServer start(Path dir) throws Exception {
        String jar = System.getProperty("s3proxy.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("no S3Proxy jar at " + jar + " (the build's pre-integration-test phase "
                    + "copies it; run this test with failsafe)");
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path blobs = Files.createDirectories(dir.resolve("blobs"));
        Path properties = dir.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + blobs, ""));
        Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-jar", jar, "--properties", properties.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        S3ProxyServer server = new S3ProxyServer(process, endpoint);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!server.answers()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("S3Proxy did not start: " + Files.readString(dir.resolve("s3proxy.log")));
            }
            Thread.sleep(200);
        }
        return server;
    }

    public URI endpoint() {
        return endpoint;
    }

    private boolean answers() {
        try {
            HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(2000);
            int status = connection.getResponseCode(); // 403 without a signature: it is up
            connection.disconnect();
            return status > 0;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
