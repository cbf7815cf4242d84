package ai.kaizen.server.lifecycle;

import ai.kaizen.model.Fixtures;
import ai.kaizen.db.registry.ModelPromotion;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.server.KaizenServer;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.KaizenConfig;
import ai.kaizen.trainer.registry.ArtifactStore;
import ai.kaizen.trainer.registry.LocalArtifactStore;
import ai.kaizen.trainer.registry.ModelArtifacts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static ai.kaizen.server.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which version serves, across instances and restarts, with the real stories260k model and the real database:
 * a promotion made by another instance (straight in the registry) reaches this server through LISTEN/NOTIFY,
 * a restarted server serves the promoted version, a version whose files changed is refused at load, and a late
 * notice does not undo a rollback made since.
 */
class ModelLifecycleTest {

    @TempDir
    Path home;

    private KaizenServer start() throws Exception {
        return KaizenServer.start(KaizenConfig.defaults(home).with(Map.of(
                        ConfigKey.MODEL_DIR, Fixtures.stories260k().toString())))
                .toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
    }

    private static void stop(KaizenServer server) throws Exception {
        server.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    void promotionsReachTheServerByNotificationAndSurviveARestart() throws Exception {
        KaizenServer server = start();
        String base = server.model().orElseThrow().version();
        ModelVersion copy;
        try {
            ModelRegistry registry = new ModelRegistry(server.database().sessions());
            assertThat(await(registry.serving())).map(ModelVersion::label).contains(base);
            ArtifactStore.Stored stored = LocalArtifactStore.under(home).store(Fixtures.stories260k(), "copy@1");
            copy = await(registry.register(new ModelVersion("copy@1", null, null, null, stored.location(),
                    stored.sha256(), "{}", "{}")));
            // As another instance would: only the registry and its notification.
            await(registry.promote(copy.id(), ModelPromotion.Action.promote, "elsewhere"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!server.model().orElseThrow().version().equals("copy@1") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(server.model().orElseThrow().version()).isEqualTo("copy@1");
        } finally {
            stop(server);
        }

        KaizenServer restarted = start();
        try {
            assertThat(restarted.model().orElseThrow().version()).as("a restarted server serves the promoted version")
                    .isEqualTo("copy@1");
            // Tampered files are refused: the switch fails and the serving model stays.
            ModelRegistry registry = new ModelRegistry(restarted.database().sessions());
            ModelVersion original = await(registry.findByLabel(base)).orElseThrow();
            Path tampered = Path.of(LocalArtifactStore.under(home).store(Fixtures.stories260k(), "tampered@1")
                    .location());
            ModelVersion bad = await(registry.register(new ModelVersion("tampered@1", original.id(), null, null,
                    tampered.toString(), ModelArtifacts.checksum(tampered), "{}", "{}")));
            Files.writeString(tampered.resolve("config.json"), Files.readString(tampered.resolve("config.json")) + " ");
            assertThat(restarted.lifecycle().switchTo(bad.id()).toCompletionStage().toCompletableFuture()
                    .handle((ok, e) -> e).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ModelArtifacts.ChecksumMismatch.class);
            assertThat(restarted.model().orElseThrow().version()).isEqualTo("copy@1");

            // A rollback made here, then a notice that arrives late (it names the promotion before): the
            // notice only makes the server read the registry again, so the rollback stands.
            await(restarted.lifecycle().switchTo(original.id(), () -> io.vertx.core.Future.fromCompletionStage(
                    registry.promote(original.id(), ModelPromotion.Action.rollback, "otto"))).toCompletionStage());
            assertThat(restarted.model().orElseThrow().version()).isEqualTo(base);
            await(restarted.lifecycle().serveRegistered().toCompletionStage());
            assertThat(restarted.model().orElseThrow().version()).isEqualTo(base);
        } finally {
            stop(restarted);
        }
    }
}
