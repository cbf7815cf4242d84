package ai.kaizen.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.db.Database;
import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.humaneval.HumanEvalRepository;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's side of a cycle's trainer, with a launcher whose trainers exit when the test says. */
class CycleServiceTest {

    @TempDir
    static Path home;
    static Vertx vertx;
    static Database database;

    /** A trainer that runs until the test completes its exit. */
    static final class FakeJob implements TrainerLauncher.Job {
        final CompletableFuture<String> exit = new CompletableFuture<>();
        volatile boolean stopped;

        @Override
        public CompletableFuture<String> ended() {
            return exit;
        }

        @Override
        public void stop() {
            stopped = true;
        }
    }

    @BeforeAll
    static void open() throws Exception {
        vertx = Vertx.vertx();
        database = Database.open(vertx, KaizenConfig.defaults(home).databaseSettings())
                .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    @AfterAll
    static void close() throws Exception {
        database.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aStoppedTrainerThatExitsAfterTheCycleWasResumedDoesNotFailTheResumedAttempt() throws Exception {
        List<FakeJob> launched = new CopyOnWriteArrayList<>();
        CycleRepository cycles = new CycleRepository(database.sessions());
        try (CycleService service = new CycleService(vertx, cycles, new AuditLog(database.sessions()), id -> {
            FakeJob job = new FakeJob();
            launched.add(job);
            return job;
        }, Duration.ofSeconds(3), new HumanEvaluationGate(cycles, new HumanEvalRepository(database.sessions()),
                new ModelRegistry(database.sessions()), new AuditLog(database.sessions())))) {
            long id = service.start(new JsonObject().put("preset", "tiny")
                            .put("stages", new JsonArray().add("dataset").add("sft")), "otto")
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).id();
            // The first trainer never reports: the watchdog fails the cycle and stops it (SIGTERM, then later
            // SIGKILL: its exit comes long after).
            TrainingCycle failed = await(cycles, id, c -> c.status() == TrainingCycle.Status.failed, 30);
            assertThat(failed.error()).contains("did not start");
            assertThat(launched.get(0).stopped).isTrue();

            service.resume(id, "otto").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(launched).hasSize(2);
            launched.get(0).exit.complete("the trainer exited with status 137");
            Thread.sleep(500);
            assertThat(find(cycles, id).status()).as("the resumed attempt is untouched by the old trainer's exit")
                    .isEqualTo(TrainingCycle.Status.queued);

            // The current trainer's own early exit still fails the cycle, with its status.
            launched.get(1).exit.complete("the trainer exited with status 1");
            TrainingCycle again = await(cycles, id, c -> c.status() == TrainingCycle.Status.failed, 30);
            assertThat(again.error()).contains("exited with status 1");
        }
    }

    private static TrainingCycle find(CycleRepository cycles, long id) throws Exception {
        return cycles.find(id).toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
    }

    private static TrainingCycle await(CycleRepository cycles, long id, Predicate<TrainingCycle> done, int seconds)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        TrainingCycle cycle = find(cycles, id);
        while (!done.test(cycle) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            cycle = find(cycles, id);
        }
        assertThat(done.test(cycle)).as(cycle.status() + ": " + cycle.error()).isTrue();
        return cycle;
    }
}
