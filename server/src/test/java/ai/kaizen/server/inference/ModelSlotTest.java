package ai.kaizen.server.inference;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.server.TestClient;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Hot swap with the real stories260k model: in-flight work keeps the old model, which is released afterwards. */
class ModelSlotTest {

    private static ServingModel load(String label) {
        return new ServingModel(LanguageModel.load(Fixtures.stories260k()), label);
    }

    @Test
    void swapRoutesNewLeasesToTheNewModelAndReleasesTheOldOneWhenItsGenerationsEnd() throws Exception {
        try (ModelSlot slot = new ModelSlot(java.util.Optional.of(load("old")))) {
            ModelSlot.Lease inFlight = slot.acquire().orElseThrow();
            assertThat(inFlight.model().version()).isEqualTo("old");

            // A generation is under way on the old model when the swap happens.
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch swapped = new CountDownLatch(1);
            CompletableFuture<String> generation = CompletableFuture.supplyAsync(() -> {
                try {
                    return inFlight.model().model().generator().generate("Once upon a time",
                            GenerationOptions.builder().maxNewTokens(12).doSample(false).build(),
                            token -> {
                                started.countDown();
                                try {
                                    swapped.await(10, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                return true;
                            }).text();
                } finally {
                    inFlight.close();
                }
            });
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> oldReleased = slot.swap(load("new"));
            assertThat(slot.current()).map(ServingModel::version).contains("new");
            try (ModelSlot.Lease next = slot.acquire().orElseThrow()) {
                assertThat(next.model().version()).as("new requests go to the new model at once").isEqualTo("new");
            }
            assertThat(oldReleased).as("the old model stays open while its generation runs").isNotDone();
            swapped.countDown();
            assertThat(generation.get(30, TimeUnit.SECONDS)).isNotBlank();
            oldReleased.get(10, TimeUnit.SECONDS);
            assertThat(slot.inFlight()).isZero();
        }
    }

    @Test
    void anIdleModelIsReleasedAtOnceAndAnEmptySlotLendsNothing() throws Exception {
        try (ModelSlot empty = new ModelSlot(java.util.Optional.empty())) {
            assertThat(empty.acquire()).isEmpty();
        }
        try (ModelSlot slot = new ModelSlot(java.util.Optional.of(load("a")))) {
            slot.swap(load("b")).get(10, TimeUnit.SECONDS);
            assertThat(slot.acquire()).hasValueSatisfying(lease -> {
                assertThat(lease.model().version()).isEqualTo("b");
                lease.close();
            });
        }
    }

}
