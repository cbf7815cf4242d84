package ai.kaizen.server.inference;

import ai.kaizen.model.Fixtures;
import ai.kaizen.server.metrics.Metrics;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.FinishReason;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.generation.TokenListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Continuous batching with the real stories260k model: sequences join and leave one decode loop between steps. */
class ContinuousBatchingTest {

    private static ServingModel model;

    @BeforeAll
    static void load() {
        model = new ServingModel(LanguageModel.load(Fixtures.stories260k()), "fixture");
    }

    @AfterAll
    static void close() {
        model.model().close();
    }

    private static int[] prompt(String text) {
        return model.model().tokenizer().encode(text);
    }

    private static Inference.Request request(ServingModel m, int[] prompt, GenerationOptions options,
                                             TokenListener listener, BooleanSupplier cancelled) {
        return new Inference.Request(m, List.of(prompt), options, listener, cancelled, Inference.Priority.CHAT);
    }

    private static GenerationResult alone(ServingModel m, int[] prompt, GenerationOptions options) {
        return m.model().generator().generate(prompt, options, TokenListener.NONE);
    }

    private static GenerationResult only(CompletableFuture<List<GenerationResult>> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS).get(0);
    }

    @Test
    void sequencesJoiningAndLeavingMidWayAnswerAsTheyWouldAlone() throws Exception {
        // A small prefill chunk, so that the long prompt is read over several steps while others decode.
        ContinuousBatching batching = new ContinuousBatching(new BatchLimits(4, 1L << 30, 8), 16);
        try {
            int[] first = prompt("Once upon a time");
            int[] longer = prompt("One day, a little girl named Lily went to the park with her mom. She saw a big dog");
            int[] shortOne = prompt("The cat");
            GenerationOptions greedy40 = GenerationOptions.greedy(40);
            GenerationOptions greedy6 = GenerationOptions.greedy(6);
            // each request keeps its own sampling settings, seed and stop strings
            GenerationOptions sampled = GenerationOptions.builder().doSample(true).temperature(0.9).topP(0.9)
                    .topK(20).seed(42L).maxNewTokens(30).build();
            GenerationOptions stopping = GenerationOptions.builder().maxNewTokens(40).stopStrings(List.of("park"))
                    .build();

            List<CompletableFuture<List<GenerationResult>>> later = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger mostRunning = new AtomicInteger();
            StringBuilder streamed = new StringBuilder();
            // The first answer's tokens drive the others in: two join at its 5th token (one leaves after 6
            // tokens), another when the short one has left, at its 15th.
            CompletableFuture<List<GenerationResult>> a = batching.generate(request(model, first, greedy40, t -> {
                streamed.append(t.text());
                mostRunning.accumulateAndGet(batching.running(), Math::max);
                if (t.index() == 4) {
                    later.add(batching.generate(request(model, longer, greedy40, TokenListener.NONE, () -> false)));
                    later.add(batching.generate(request(model, shortOne, greedy6, TokenListener.NONE, () -> false)));
                } else if (t.index() == 14) {
                    later.add(batching.generate(request(model, shortOne, sampled, TokenListener.NONE, () -> false)));
                    later.add(batching.generate(request(model, first, stopping, TokenListener.NONE, () -> false)));
                }
                return true;
            }, () -> false));

            GenerationResult aResult = only(a);
            assertThat(aResult.tokenIds()).containsExactly(alone(model, first, greedy40).tokenIds());
            assertThat(streamed.toString()).isEqualTo(aResult.text()); // every token streamed as it was made
            assertThat(later).hasSize(4);
            assertThat(only(later.get(0)).tokenIds()).containsExactly(alone(model, longer, greedy40).tokenIds());
            assertThat(only(later.get(1)).tokenIds()).containsExactly(alone(model, shortOne, greedy6).tokenIds());
            assertThat(only(later.get(1)).finishReason()).isEqualTo(FinishReason.LENGTH);
            GenerationResult sampledResult = only(later.get(2));
            assertThat(sampledResult.tokenIds()).containsExactly(alone(model, shortOne, sampled).tokenIds());
            GenerationResult stopped = only(later.get(3));
            assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP_STRING);
            assertThat(stopped.text()).isEqualTo(alone(model, first, stopping).text()).doesNotContain("park");
            assertThat(mostRunning.get()).isGreaterThanOrEqualTo(3); // they really decoded together
            assertThat(batching.running()).isZero();
        } finally {
            batching.close(5);
        }
    }

    @Test
    void chatsArrivingAtOnceAreReadTogetherAndAnswerAsTheyWouldAlone() throws Exception {
        ContinuousBatching batching = new ContinuousBatching(new BatchLimits(8, 1L << 30, 256), 16);
        try {
            List<int[]> prompts = List.of(prompt("The cat"), prompt("One day, a little girl named Lily went to"),
                    prompt("Once upon a time"), prompt("The sun was shining and the birds"));
            List<GenerationOptions> options = List.of(GenerationOptions.greedy(12), GenerationOptions.greedy(20),
                    GenerationOptions.builder().doSample(true).temperature(0.9).topK(20).seed(7L).maxNewTokens(16)
                            .build(), GenerationOptions.greedy(3));
            List<CompletableFuture<List<GenerationResult>>> arrived = new ArrayList<>();
            AtomicInteger driverTokens = new AtomicInteger();
            List<Integer> firstTokenAt = Collections.synchronizedList(new ArrayList<>());
            // all four are queued while the loop streams the driver's first token, so they join at one step
            CompletableFuture<List<GenerationResult>> driver = batching.generate(request(model, prompt("Tom"),
                    GenerationOptions.greedy(30), t -> {
                        driverTokens.incrementAndGet();
                        if (t.index() == 0) {
                            for (int i = 0; i < prompts.size(); i++) {
                                AtomicInteger seen = new AtomicInteger();
                                arrived.add(batching.generate(request(model, prompts.get(i), options.get(i), token -> {
                                    if (seen.getAndIncrement() == 0) {
                                        firstTokenAt.add(driverTokens.get());
                                    }
                                    return true;
                                }, () -> false)));
                            }
                        }
                        return true;
                    }, () -> false));
            only(driver);
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(only(arrived.get(i)).tokenIds()).as("answer %d", i)
                        .containsExactly(alone(model, prompts.get(i), options.get(i)).tokenIds());
            }
            // read in the same step: every first token came between the same two tokens of the driver
            assertThat(firstTokenAt).hasSize(4).containsOnly(firstTokenAt.get(0));
            assertThat(batching.running()).isZero();
        } finally {
            batching.close(5);
        }
    }

    @Test
    void aCancelledStreamLeavesTheBatchAtOnce() throws Exception {
        ContinuousBatching batching = new ContinuousBatching(new BatchLimits(4, 1L << 30, 64), 16);
        try {
            AtomicBoolean gone = new AtomicBoolean();
            List<Integer> runningAfterCancel = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger tokensAfterCancel = new AtomicInteger();
            CountDownLatch bothRunning = new CountDownLatch(1);
            CountDownLatch stayingSubmitted = new CountDownLatch(1);
            AtomicInteger leavingTokens = new AtomicInteger();
            AtomicInteger leavingTokensAtCancel = new AtomicInteger();
            CompletableFuture<List<GenerationResult>> leaving = batching.generate(request(model,
                    prompt("Once upon a time"), GenerationOptions.builder().maxNewTokens(200).ignoreEos(true).build(),
                    t -> {
                        leavingTokens.incrementAndGet();
                        if (gone.get()) {
                            tokensAfterCancel.incrementAndGet();
                        }
                        // the loop waits here once, so that the other answer joins before this one runs far ahead
                        await(stayingSubmitted);
                        return true;
                    }, gone::get));
            CompletableFuture<List<GenerationResult>> staying = batching.generate(request(model,
                    prompt("The dog"), GenerationOptions.builder().maxNewTokens(60).ignoreEos(true).build(), t -> {
                        if (t.index() >= 3 && !gone.get() && batching.running() == 2) {
                            leavingTokensAtCancel.set(leavingTokens.get());
                            bothRunning.countDown();
                            gone.set(true); // the client went away between two steps
                        } else if (gone.get()) {
                            runningAfterCancel.add(batching.running());
                        }
                        return true;
                    }, () -> false));
            stayingSubmitted.countDown();

            assertThat(bothRunning.await(30, TimeUnit.SECONDS)).isTrue();
            GenerationResult cancelled = only(leaving);
            assertThat(cancelled.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(cancelled.tokenIds().length).isLessThanOrEqualTo(leavingTokensAtCancel.get() + 1).isLessThan(200);
            assertThat(tokensAfterCancel.get()).isLessThanOrEqualTo(1); // at most the step already under way
            assertThat(only(staying).tokenIds()).hasSize(60);
            // from the step after the cancellation on, the batch holds the other sequence only
            assertThat(runningAfterCancel).isNotEmpty().allMatch(n -> n == 1);
        } finally {
            batching.close(5);
        }
    }

    @Test
    void aFullQueueRefusesAtOnceAndChatsGoBeforeBackgroundWork() throws Exception {
        // one batch place and one waiting place, which background work cannot take from a chat
        ContinuousBatching batching = new ContinuousBatching(new BatchLimits(1, 1L << 30, 64), 1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch occupied = new CountDownLatch(1);
        try {
            GenerationOptions options = GenerationOptions.greedy(4);
            // The only batch place is held: its listener waits on the first token.
            CompletableFuture<List<GenerationResult>> holding = batching.generate(request(model, prompt("Hi"),
                    options, t -> {
                        occupied.countDown();
                        try {
                            return release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }, () -> false));
            assertThat(occupied.await(30, TimeUnit.SECONDS)).isTrue();
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<List<GenerationResult>> background = batching.generate(new Inference.Request(model,
                    List.of(prompt("A")), options, t -> order.add("background"), () -> false,
                    Inference.Priority.BACKGROUND));
            CompletableFuture<List<GenerationResult>> chat = batching.generate(request(model, prompt("B"), options,
                    t -> order.add("chat"), () -> false));
            assertThat(batching.hasRoom()).isFalse();
            CompletableFuture<List<GenerationResult>> refusedBackground = batching.generate(new Inference.Request(
                    model, List.of(prompt("D")), options, TokenListener.NONE, () -> false,
                    Inference.Priority.BACKGROUND));
            assertThat(refusedBackground).isCompletedExceptionally();
            CompletableFuture<List<GenerationResult>> refused = batching.generate(request(model, prompt("C"),
                    options, TokenListener.NONE, () -> false));
            assertThat(refused).isCompletedExceptionally();
            assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(Inference.Saturated.class);

            release.countDown();
            only(holding);
            only(chat);
            only(background);
            assertThat(order).startsWith("chat").endsWith("background");
            assertThat(batching.hasRoom()).isTrue();
        } finally {
            release.countDown();
            batching.close(5);
        }
    }

    @Test
    void aHotSwapDuringABatchLetsInFlightSequencesFinishOnTheOldModel() throws Exception {
        ServingModel oldModel = new ServingModel(LanguageModel.load(Fixtures.stories260k()), "old");
        ServingModel newModel = new ServingModel(LanguageModel.load(Fixtures.stories260k()), "new");
        ContinuousBatching batching = new ContinuousBatching(new BatchLimits(4, 1L << 30, 64), 16);
        try (ModelSlot slot = new ModelSlot(Optional.of(oldModel))) {
            int[] p = prompt("Once upon a time");
            GenerationOptions options = GenerationOptions.builder().maxNewTokens(80).ignoreEos(true).build();
            List<ModelSlot.Lease> leases = List.of(slot.acquire().orElseThrow(), slot.acquire().orElseThrow());
            CountDownLatch underWay = new CountDownLatch(1);
            CountDownLatch swapped = new CountDownLatch(1);
            List<CompletableFuture<List<GenerationResult>>> inFlight = new ArrayList<>();
            for (ModelSlot.Lease lease : leases) {
                CompletableFuture<List<GenerationResult>> f = batching.generate(request(lease.model(), p, options,
                        t -> {
                            if (t.index() == 10) {
                                underWay.countDown();
                                await(swapped);
                            }
                            return true;
                        }, () -> false));
                f.whenComplete((r, e) -> lease.close()); // as the chat does
                inFlight.add(f);
            }
            assertThat(underWay.await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> released = slot.swap(newModel);
            ModelSlot.Lease next = slot.acquire().orElseThrow();
            assertThat(next.model().version()).isEqualTo("new");
            CompletableFuture<List<GenerationResult>> onNew = batching.generate(request(next.model(), p, options,
                    TokenListener.NONE, () -> false));
            assertThat(released).isNotDone(); // the old model still answers
            swapped.countDown();

            GenerationResult expected = alone(newModel, p, options);
            for (CompletableFuture<List<GenerationResult>> f : inFlight) {
                assertThat(only(f).tokenIds()).containsExactly(expected.tokenIds());
            }
            released.get(30, TimeUnit.SECONDS); // closed once its last sequence left
            assertThat(only(onNew).tokenIds()).containsExactly(expected.tokenIds());
            next.close();
        } finally {
            batching.close(5);
        }
    }

    @Test
    void theLoopRecordsTokensBatchSizesAndLatenciesForMetrics() throws Exception {
        try (Metrics metrics = new Metrics()) {
            ContinuousBatching batching = new ContinuousBatching(new BatchLimits(4, 1L << 30, 64), 16,
                    metrics.inference());
            try {
                List<CompletableFuture<List<GenerationResult>>> answers = new ArrayList<>();
                for (String text : List.of("Once upon a time", "The cat")) {
                    answers.add(batching.generate(request(model, prompt(text), GenerationOptions.greedy(10),
                            TokenListener.NONE, () -> false)));
                }
                int tokens = 0;
                for (CompletableFuture<List<GenerationResult>> a : answers) {
                    tokens += only(a).tokenIds().length;
                }
                String scrape = metrics.scrape();
                assertThat(scrape).contains("kaizen_inference_tokens_generated_total " + tokens + ".0")
                        .containsPattern("kaizen_inference_time_to_first_token_seconds_count 2(\\.0)?\\n")
                        .containsPattern("kaizen_inference_batch_size_count [1-9]")
                        .containsPattern("kaizen_inference_token_latency_seconds_count [1-9]")
                        .contains("kaizen_inference_queue_depth 0.0");
            } finally {
                batching.close(5);
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
