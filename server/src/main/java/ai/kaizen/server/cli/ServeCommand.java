package ai.kaizen.server.cli;

import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.Logging;
import ai.kaizen.server.config.ConfigOptions;
import ai.kaizen.server.config.KaizenConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** {@code kaizen serve}: runs the server until SIGTERM or Ctrl-C, then stops gracefully. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        description = {"Runs the Kaizen server: chat, feedback, review and operations over HTTP.",
                "With no database configured, starts an embedded PostgreSQL 17 whose data lives under --home.",
                "Every flag can also be set through its environment variable or in kaizen.properties."})
public final class ServeCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        KaizenConfig config = ConfigOptions.read(spec, System.getenv());
        Logging.setLevel(config.logLevel());
        CompletableFuture<KaizenServer> starting = KaizenServer.start(config).toCompletionStage().toCompletableFuture();
        CountDownLatch stopped = new CountDownLatch(1);
        // Registered before start-up completes, so that a SIGTERM arriving while starting still stops cleanly.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                starting.join().stop().toCompletionStage().toCompletableFuture()
                        .get(config.shutdownGrace().toSeconds() + 30, TimeUnit.SECONDS);
            } catch (CompletionException startFailed) {
                // nothing to stop: a failed start cleans up after itself
            } catch (Exception e) {
                log.error("shutdown did not complete cleanly", e);
            } finally {
                Logging.flush();
                stopped.countDown();
            }
        }, "kaizen-shutdown"));
        try {
            starting.get();
        } catch (ExecutionException e) {
            throw (e.getCause() instanceof Exception cause) ? cause : e;
        }
        stopped.await();
        return 0;
    }
}
