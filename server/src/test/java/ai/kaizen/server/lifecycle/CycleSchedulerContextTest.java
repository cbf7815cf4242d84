package ai.kaizen.server.lifecycle;

import ai.kaizen.db.Database;
import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.CycleSchedule;
import ai.kaizen.db.cycle.CycleScheduleRepository;
import ai.kaizen.db.cycle.FeedbackCounts;
import ai.kaizen.db.humaneval.HumanEvalRepository;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.server.config.KaizenConfig;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schedulers whose checks overlap on one event loop, as the server's timers do: each check reads the database
 * through Hibernate Reactive, which keeps a flow's session in its Vert.x context. Checks that shared a context took
 * each other's session and failed with "scheduled cycle not started: Session/EntityManager is closed"; each tick now
 * runs on a context of its own ({@link ai.kaizen.server.http.OwnContext}), and none fails.
 */
class CycleSchedulerContextTest {

    @TempDir
    static Path home;
    static Vertx vertx;
    static Database database;

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

    /** The real time; counts how often a check read it (once per check, for its cron expression). */
    private static final class CountingClock extends Clock {
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            reads.incrementAndGet();
            return Instant.now();
        }
    }

    @Test
    void overlappingChecksOnOneEventLoopNeverFindTheirSessionClosed() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(CycleScheduler.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        // On, with a cron tick that is not due and a threshold not reached: every check reads the schedule, the
        // newest cycle and the feedback counts, and starts nothing.
        CycleSchedule schedule = new CycleSchedule("0 3 1 1 *", 1_000_000, "tiny", false, true, null, null);
        CycleRepository cycles = new CycleRepository(database.sessions());
        CountingClock clock = new CountingClock();
        List<CycleScheduler> schedulers = new ArrayList<>();
        Context shared = vertx.getOrCreateContext();
        try (CycleService service = new CycleService(vertx, cycles, new AuditLog(database.sessions()), id -> {
            throw new AssertionError("no cycle is due");
        }, Duration.ofMinutes(5), new HumanEvaluationGate(cycles, new HumanEvalRepository(database.sessions()),
                new ModelRegistry(database.sessions()), new AuditLog(database.sessions())))) {
            CompletableFuture<Void> made = new CompletableFuture<>();
            shared.runOnContext(v -> {
                for (int i = 0; i < 4; i++) {
                    schedulers.add(new CycleScheduler(vertx, service, new CycleSchedules(
                            new CycleScheduleRepository(database.sessions()), schedule,
                            new AuditLog(database.sessions())), new FeedbackCounts(database.sessions()), clock,
                            Duration.ofMillis(5)));
                }
                made.complete(null);
            });
            made.get(10, TimeUnit.SECONDS);
            Thread.sleep(3000);
        } finally {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            shared.runOnContext(v -> {
                schedulers.forEach(CycleScheduler::close);
                closed.complete(null);
            });
            closed.get(10, TimeUnit.SECONDS);
            logger.detachAppender(logged);
        }
        assertThat(logged.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
        assertThat(clock.reads.get()).as("checks that ran to their cron test").isGreaterThan(10);
    }
}
