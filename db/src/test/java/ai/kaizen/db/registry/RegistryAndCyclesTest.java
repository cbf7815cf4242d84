package ai.kaizen.db.registry;

import ai.kaizen.db.EmbeddedDatabaseTest;
import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.CycleSchedule;
import ai.kaizen.db.cycle.CycleScheduleRepository;
import ai.kaizen.db.cycle.TrainingCycle;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registry, cycles and audit log against the real (embedded) PostgreSQL. */
class RegistryAndCyclesTest extends EmbeddedDatabaseTest {


    @Test
    void promotionsDecideWhatServesAndRollbackGoesToThePreviousOne() throws Exception {
        ModelRegistry registry = new ModelRegistry(db.sessions());
        ModelVersion first = await(registry.register(new ModelVersion("base@1", null, null, null, "/m/1",
                "a".repeat(64), "{}", "{}")));
        ModelVersion second = await(registry.register(new ModelVersion("sft@2", first.id(), null, null, "/m/2",
                "b".repeat(64), "{\"lr\":0.001}", "{\"eval_loss\":1.5}")));
        assertThat(await(registry.serving())).isEmpty();
        await(registry.promote(first.id(), ModelPromotion.Action.promote, "otto"));
        await(registry.promote(second.id(), ModelPromotion.Action.promote, "otto"));
        assertThat(await(registry.serving())).map(ModelVersion::label).contains("sft@2");
        assertThat(await(registry.previousServing())).map(ModelVersion::id).contains(first.id());
        await(registry.promote(first.id(), ModelPromotion.Action.rollback, "otto"));
        assertThat(await(registry.serving())).map(ModelVersion::id).contains(first.id());
        assertThat(await(registry.history())).extracting(ModelPromotion::action).containsExactly(
                ModelPromotion.Action.rollback, ModelPromotion.Action.promote, ModelPromotion.Action.promote);
        assertThat(await(registry.find(second.id()))).hasValueSatisfying(v -> {
            assertThat(v.parentId()).isEqualTo(first.id());
            assertThat(v.metrics()).contains("eval_loss");
        });
        assertThatThrownBy(() -> await(registry.promote(9999, ModelPromotion.Action.promote, "otto")))
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> await(registry.register(new ModelVersion("sft@2", null, null, null, "/m/3",
                "c".repeat(64), "{}", "{}")))).isNotNull();
    }

    @Test
    void theScheduleIsOneRowReplacedOnEachSave() throws Exception {
        CycleScheduleRepository schedules = new CycleScheduleRepository(db.sessions());
        assertThat(await(schedules.find())).isEmpty();
        CycleSchedule first = await(schedules.save(new CycleSchedule("0 3 * * 1", 0, "tiny", true, true, null, null)
                .savedBy("otto")));
        assertThat(first.cron()).isEqualTo("0 3 * * 1");
        assertThat(first.updatedBy()).isEqualTo("otto");
        assertThat(first.updatedAt()).isNotNull();
        CycleSchedule second = await(schedules.save(new CycleSchedule(null, 25, "standard", false, false, null, null)
                .savedBy("olga")));
        assertThat(await(schedules.find())).contains(second);
        assertThat(second).isEqualTo(new CycleSchedule(null, 25, "standard", false, false, "olga",
                second.updatedAt()));
        assertThat(second.updatedAt()).isAfterOrEqualTo(first.updatedAt());
        Object rows = await(db.sessions().withSession(s -> s.createNativeQuery("SELECT count(*) FROM cycle_schedule")
                .getSingleResult()));
        assertThat(((Number) rows).longValue()).isEqualTo(1);
    }

    @Test
    void oneCycleAtATimeWithProgressMetricsAndFailureThenResume() throws Exception {
        CycleRepository cycles = new CycleRepository(db.sessions());
        TrainingCycle cycle = await(cycles.create("{\"stages\":[\"dataset\",\"sft\"]}", "otto"));
        assertThatThrownBy(() -> await(cycles.create("{}", "otto")))
                .hasRootCauseInstanceOf(CycleRepository.AlreadyActive.class);
        assertThat(await(cycles.claim(cycle.id()))).isTrue();
        assertThat(await(cycles.claim(cycle.id()))).as("a running cycle is not claimed twice").isFalse();
        assertThat(await(cycles.heartbeat(cycle.id(), "sft", 3, 10))).isTrue();
        await(cycles.metrics(cycle.id(), "sft", 3, Map.of("loss", 2.5, "learning_rate", 1e-3)));
        await(cycles.stageDone(cycle.id(), "dataset", "{\"dataset_version_id\":7}"));
        await(cycles.log(cycle.id(), "step 3"));
        assertThat(await(cycles.metricsAfter(cycle.id(), 0))).hasSize(2)
                .allSatisfy(m -> assertThat(m.step()).isEqualTo(3));
        long last = await(cycles.metricsAfter(cycle.id(), 0)).get(1).id();
        assertThat(await(cycles.metricsAfter(cycle.id(), last))).isEmpty();
        assertThat(await(cycles.logAfter(cycle.id(), 0, 10))).extracting(l -> l.line()).containsExactly("step 3");

        assertThat(await(cycles.silentSince(Instant.now().minusSeconds(60)))).isEmpty();
        assertThat(await(cycles.silentSince(Instant.now().plusSeconds(1)))).extracting(TrainingCycle::id)
                .containsExactly(cycle.id());
        assertThat(await(cycles.fail(cycle.id(), "trainer stopped reporting"))).isTrue();
        assertThat(await(cycles.heartbeat(cycle.id(), "sft", 4, 10))).as("a dead cycle stays dead").isFalse();
        assertThat(await(cycles.requeueFailed(cycle.id()))).isTrue();
        assertThat(await(cycles.claim(cycle.id()))).isTrue();
        TrainingCycle resumed = await(cycles.find(cycle.id())).orElseThrow();
        assertThat(resumed.attempt()).isEqualTo(2);
        assertThat(new io.vertx.core.json.JsonObject(resumed.stageResults()).getJsonObject("dataset")
                .getInteger("dataset_version_id")).as("stage results are JSON objects, not strings").isEqualTo(7);
        assertThat(await(cycles.succeed(cycle.id(), null, "{\"passed\":true}"))).isTrue();
        assertThat(await(cycles.find(cycle.id()))).hasValueSatisfying(c -> {
            assertThat(c.status()).isEqualTo(TrainingCycle.Status.succeeded);
            assertThat(c.gateReport()).contains("passed");
        });
        TrainingCycle next = await(cycles.create("{}", "otto"));
        assertThat(await(cycles.cancel(next.id()))).isTrue();
        assertThat(await(cycles.active())).isEmpty();
    }

    @Test
    void theScheduleStartsOneCycleAfterEachCycleHoweverManyServersAskAndWhenever() throws Exception {
        CycleRepository cycles = new CycleRepository(db.sessions());
        Optional<TrainingCycle> left = await(cycles.active());
        if (left.isPresent()) {
            await(cycles.cancel(left.get().id()));
        }
        TrainingCycle manual = await(cycles.create("{}", "otto"));
        assertThat(manual.scheduledAfter()).isEmpty();
        await(cycles.cancel(manual.id()));

        TrainingCycle scheduled = await(cycles.createScheduled("{}", "scheduler", manual.id()));
        assertThat(await(cycles.find(scheduled.id())).orElseThrow().scheduledAfter()).hasValue(manual.id());
        // A second server that read the same newest cycle asks late, after the first's cycle already ended: the
        // one-active rule would let it in, the schedule's claim does not.
        await(cycles.fail(scheduled.id(), "the trainer could not start"));
        assertThatThrownBy(() -> await(cycles.createScheduled("{}", "scheduler", manual.id())))
                .hasRootCauseInstanceOf(CycleRepository.AlreadyScheduled.class)
                .hasRootCauseMessage("the schedule already started the cycle after cycle " + manual.id());

        // Two servers asking at the same moment: one cycle.
        CompletableFuture<TrainingCycle> first = cycles.createScheduled("{}", "scheduler", scheduled.id())
                .toCompletableFuture();
        CompletableFuture<TrainingCycle> second = cycles.createScheduled("{}", "scheduler", scheduled.id())
                .toCompletableFuture();
        CompletableFuture.allOf(first, second).handle((ok, e) -> null).get(30, TimeUnit.SECONDS);
        List<TrainingCycle> started = Stream.of(first, second).filter(f -> !f.isCompletedExceptionally())
                .map(CompletableFuture::join).toList();
        assertThat(started).hasSize(1);
        Object after = await(db.sessions().withSession(s -> s.createNativeQuery(
                "SELECT count(*) FROM training_cycle WHERE scheduled_after = :after")
                .setParameter("after", scheduled.id()).getSingleResult()));
        assertThat(((Number) after).longValue()).isEqualTo(1);
        await(cycles.cancel(started.get(0).id()));
    }

    @Test
    void aCycleWhoseGateFailedEndsAsGateFailedAndIsFoundByItsCandidate() throws Exception {
        CycleRepository cycles = new CycleRepository(db.sessions());
        ModelRegistry registry = new ModelRegistry(db.sessions());
        TrainingCycle cycle = await(cycles.create("{\"stages\":[\"dataset\",\"sft\",\"evaluate\"]}", "otto"));
        ModelVersion candidate = await(registry.register(new ModelVersion("cycle-" + cycle.id() + "@x", null, null,
                cycle.id(), "/m/gated", "d".repeat(64), "{}", "{}")));
        assertThat(await(cycles.claim(cycle.id()))).isTrue();
        assertThat(await(cycles.finish(cycle.id(), TrainingCycle.Status.gate_failed, candidate.id(),
                "{\"verdict\":\"fail\",\"passed\":false}"))).isTrue();
        assertThat(await(cycles.finish(cycle.id(), TrainingCycle.Status.succeeded, candidate.id(), "{}")))
                .as("an ended cycle does not end twice").isFalse();
        assertThat(await(cycles.findByCandidate(candidate.id()))).hasValueSatisfying(c -> {
            assertThat(c.id()).isEqualTo(cycle.id());
            assertThat(c.status()).isEqualTo(TrainingCycle.Status.gate_failed);
            assertThat(c.status().isGateRefusal()).isTrue();
            assertThat(c.finishedAt()).isNotNull();
        });
        assertThat(await(cycles.withCandidates())).extracting(TrainingCycle::id).contains(cycle.id());
        assertThat(await(cycles.findByCandidate(9999))).isEmpty();
        assertThat(await(cycles.active())).isEmpty();
        assertThatThrownBy(() -> cycles.finish(cycle.id(), TrainingCycle.Status.failed, null, null))
                .isInstanceOf(IllegalArgumentException.class);

        TrainingCycle unsure = await(cycles.create("{}", "otto"));
        assertThat(await(cycles.claim(unsure.id()))).isTrue();
        assertThat(await(cycles.finish(unsure.id(), TrainingCycle.Status.no_verdict, null, null))).isTrue();
        assertThat(await(cycles.find(unsure.id()))).map(TrainingCycle::status)
                .contains(TrainingCycle.Status.no_verdict);
    }

    @Test
    void auditLogKeepsOperatorActions() throws Exception {
        AuditLog audit = new AuditLog(db.sessions());
        await(audit.record("otto", "promote", "{\"version\":2}"));
        assertThat(await(audit.newest(5))).anySatisfy(e -> {
            assertThat(e.actor()).isEqualTo("otto");
            assertThat(new io.vertx.core.json.JsonObject(e.details()).getInteger("version")).isEqualTo(2);
        });
    }
}
