package ai.kaizen.server;

import ai.kaizen.model.files.FileTrees;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import org.hibernate.reactive.stage.Stage;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static ai.kaizen.server.Await.await;

/**
 * One Kaizen server shared by the tests of a class, as a JUnit 5 extension registered on a static field: before
 * the class's {@code @BeforeAll} methods (which may add users or data to it) it starts the server in a temporary
 * home of its own, with the class's configuration, and after the class's {@code @AfterAll} methods it stops it
 * and deletes the home.
 */
public final class RunningServer implements BeforeAllCallback, AfterAllCallback {

    /** How long a start may take: the embedded database's first start and the model's load on a busy machine. */
    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration STOP = Duration.ofSeconds(60);

    private final Map<ConfigKey, String> overrides;
    private final Duration startTimeout;
    private Path home;
    private KaizenServer server;

    /** A server with the default configuration. */
    public RunningServer() {
        this(Map.of());
    }

    /** A server whose configuration is the defaults with {@code overrides}, given 180 s to start. */
    public RunningServer(Map<ConfigKey, String> overrides) {
        this(overrides, START);
    }

    /**
     * A server whose configuration is the defaults with {@code overrides}; the class fails if it takes longer than
     * {@code startTimeout} to start.
     */
    public RunningServer(Map<ConfigKey, String> overrides, Duration startTimeout) {
        this.overrides = Map.copyOf(overrides);
        this.startTimeout = startTimeout;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        home = Files.createTempDirectory("kaizen-home");
        server = await(KaizenServer.start(KaizenConfig.defaults(home).with(overrides)), startTimeout);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (server != null) {
                await(server.stop(), STOP);
            }
        } finally {
            server = null;
            if (home != null) {
                FileTrees.delete(home);
                home = null;
            }
        }
    }

    /** The running server. */
    public KaizenServer server() {
        if (server == null) {
            throw new IllegalStateException(
                    "the server is not running: register RunningServer with @RegisterExtension on a static field");
        }
        return server;
    }

    /** The port it listens on. */
    public int port() {
        return server().port();
    }

    /** Its home: database, models, cycles. */
    public Path home() {
        if (home == null) {
            throw new IllegalStateException("the server has no home yet");
        }
        return home;
    }

    /** Its database's sessions, for a test's own reads and writes. */
    public Stage.SessionFactory sessions() {
        return server().database().sessions();
    }

    /** A new browser-like client of the server, without cookies yet. */
    public TestClient client() {
        return new TestClient(port());
    }
}
