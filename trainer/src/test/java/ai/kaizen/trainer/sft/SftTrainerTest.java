package ai.kaizen.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.Checkpoints;
import ai.kaizen.trainer.training.LoraSettings;
import ai.kaizen.trainer.training.MetricsLog;
import ai.kaizen.trainer.training.TokenizedExample;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftTrainerTest {

    @TempDir
    Path tmp;

    static List<SftExample> train;
    static List<SftExample> eval;

    @BeforeAll
    static void data() {
        List<SftExample> all = TestData.customerService(40);
        train = all.subList(0, 32);
        eval = all.subList(32, 40);
    }

    /** A configuration for a 260K-parameter model: large steps, short runs. */
    static SftConfig config(Path out, int steps) {
        return new SftConfig(3e-3, AdamW.Hyper.DEFAULT, 2, steps, 1, 8, 1, 1.0, 128, 0, 8, 0, true, 5, 0, 2, 7,
                null, out, false);
    }

    static List<JsonObject> metrics(Path out) throws Exception {
        return Files.readAllLines(out.resolve(MetricsLog.FILE), StandardCharsets.UTF_8).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    /** The evaluation loss is a mean over tokens: how the examples are batched (sorted by length, in batches of
     *  bounded size) leaves it as it is. */
    @Test
    void theEvaluationLossDoesNotDependOnHowTheExamplesAreBatched() {
        List<SftExample> mixed = TestData.customerService(40).subList(20, 40);
        double[] losses = new double[3];
        int[] evalBatches = {1, 3, 16};
        for (int i = 0; i < evalBatches.length; i++) {
            SftConfig config = new SftConfig(3e-3, AdamW.Hyper.DEFAULT, 2, 1, 1, 8, 1, 1.0, 1024, 0,
                    evalBatches[i], 0, true, 5, 0, 2, 7, null, tmp.resolve("eval" + i), false);
            try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                    SftTrainer trainer = new SftTrainer(config, lm)) {
                losses[i] = trainer.evaluate(trainer.tokenize(mixed));
            }
        }
        assertThat(losses[1]).isCloseTo(losses[0], org.assertj.core.api.Assertions.within(1e-4));
        assertThat(losses[2]).isCloseTo(losses[0], org.assertj.core.api.Assertions.within(1e-4));
    }

    @Test
    void fullFineTuningLowersTheEvalLossAndSavesAModelThatReloadsAndGenerates() throws Exception {
        Path out = tmp.resolve("full");
        SftConfig config = config(out, 24);
        config = new SftConfig(config.args().learningRate(), config.args().adam(), config.args().warmupSteps(), config.args().maxSteps(),
                config.args().epochs(), config.args().batchSize(), 2, config.args().maxGradNorm(), config.maxLength(), 12, 8, 0, true,
                config.args().loggingSteps(), config.args().saveSteps(), config.args().saveTotalLimit(), config.args().seed(), null, out, false);
        double before;
        SftResult result;
        long started = System.nanoTime();
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                SftTrainer trainer = new SftTrainer(config, lm)) {
            before = trainer.evaluate(trainer.tokenize(eval));
            result = trainer.train(train, eval, TrainingListener.NONE);
        }
        System.out.printf("full fine-tuning: eval_loss %.3f -> %.3f in %d steps, %.0f tokens/s, %.1f s%n", before,
                result.bestEvalLoss(), result.globalStep(), result.tokensPerSecond(),
                (System.nanoTime() - started) / 1e9);

        assertThat(result.globalStep()).isEqualTo(24);
        assertThat(result.bestEvalLoss()).isLessThan(before - 0.5);
        List<JsonObject> lines = metrics(out);
        List<JsonObject> trainLines = lines.stream().filter(l -> l.has("loss")).toList();
        assertThat(trainLines).hasSize(24 / 5 + 1);
        assertThat(trainLines.get(0).keySet()).contains("loss", "grad_norm", "learning_rate", "epoch", "step",
                "num_tokens", "train_tokens_per_second");
        assertThat(trainLines.get(trainLines.size() - 1).get("loss").getAsDouble())
                .isLessThan(trainLines.get(0).get("loss").getAsDouble());
        assertThat(lines.stream().filter(l -> l.has("eval_loss")).map(l -> l.get("step").getAsInt()))
                .containsExactly(12, 24);
        assertThat(out.resolve("config.json")).exists();
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("tokenizer.json")).exists();
        assertThat(out.resolve("chat_template.jinja")).exists();

        try (LanguageModel reloaded = LanguageModel.load(out)) {
            assertThat(reloaded.tokenizer().chatTemplate().isFallback()).isFalse();
            GenerationResult g = reloaded.generator().chat(List.of(ChatMessage.user(train.get(0).prompt().get(0)
                    .content())), GenerationOptions.greedy(12), token -> true);
            assertThat(g.tokenIds()).isNotEmpty();
            System.out.println("generated: " + g.text());
        }
    }

    @Test
    void loraTrainsOnlyTheAdaptersAndSavesPeftLayout() throws Exception {
        Path out = tmp.resolve("lora");
        SftConfig config = config(out, 16).withLora(new LoraSettings(8, 16, 0.0,
                List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"), true));
        double before;
        double after;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k())) {
            Map<String, float[]> base = TestData.snapshot(lm.network().parameters());
            try (SftTrainer trainer = new SftTrainer(config, lm)) {
                List<TokenizedExample> evalSet = trainer.tokenize(eval);
                before = trainer.evaluate(evalSet);
                Map<String, float[]> adaptersBefore = TestData.snapshot(trainer.lora().parameters());
                SftResult result = trainer.train(train, List.of(), TrainingListener.NONE);
                after = trainer.evaluate(evalSet);
                System.out.printf("LoRA: eval_loss %.3f -> %.3f, %.0f tokens/s%n", before, after,
                        result.tokensPerSecond());
                assertThat(trainer.trainableParameters()).hasSize(5 * 7 * 2);
                assertThat(TestData.maxAbsDiff(adaptersBefore, TestData.snapshot(trainer.lora().parameters()))).isGreaterThan(1e-4);
                assertThat(TestData.maxAbsDiff(base, TestData.snapshot(lm.network().parameters()))).isZero();
            }
        }
        assertThat(after).isLessThan(before - 0.2);
        assertThat(out.resolve(Lora.CONFIG_FILE)).exists();
        assertThat(out.resolve(Lora.WEIGHTS_FILE)).exists();
        assertThat(Json.readObject(out.resolve(Lora.CONFIG_FILE)).get("r").getAsInt()).isEqualTo(8);
        try (LanguageModel merged = LanguageModel.load(out.resolve("merged"))) {
            assertThat(merged.generator().chat(List.of(ChatMessage.user("Hi")), GenerationOptions.greedy(4),
                    token -> true).tokenIds()).isNotEmpty();
        }
    }

    @Test
    void aRunStoppedAndResumedEndsWithTheWeightsOfAnUninterruptedRun() throws Exception {
        int total = 10;
        int stopAt = 4;
        Path out = tmp.resolve("resumed");
        SftConfig config = config(out, total);
        config = new SftConfig(config.args().learningRate(), config.args().adam(), config.args().warmupSteps(), total, 1, 8, 2,
                config.args().maxGradNorm(), config.maxLength(), 0, 8, 0, true, 5, stopAt, 2, 7, null, out, false);
        // gradient accumulation on, so that the data position inside an update matters too
        Map<String, float[]> uninterrupted;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                SftTrainer trainer = new SftTrainer(config.withOutputDir(tmp.resolve("straight2")), lm)) {
            trainer.train(train, List.of(), TrainingListener.NONE);
            uninterrupted = TestData.snapshot(lm.network().parameters());
        }
        AtomicInteger steps = new AtomicInteger();
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                SftTrainer trainer = new SftTrainer(config, lm)) {
            SftResult first = trainer.train(train, List.of(), new TrainingListener() {
                @Override
                public boolean shouldStop() {
                    return steps.incrementAndGet() >= stopAt + 1; // killed one step after the checkpoint
                }
            });
            assertThat(first.globalStep()).isEqualTo(stopAt + 1);
        }
        assertThat(Checkpoints.latest(out)).contains(out.resolve("checkpoint-" + stopAt));
        SftResult resumed;
        Map<String, float[]> after;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                SftTrainer trainer = new SftTrainer(config.withResume(true), lm)) {
            resumed = trainer.train(train, List.of(), TrainingListener.NONE);
            after = TestData.snapshot(lm.network().parameters());
        }
        assertThat(resumed.resumedFrom()).isEqualTo(out.resolve("checkpoint-" + stopAt));
        assertThat(resumed.globalStep()).isEqualTo(total);
        double diff = TestData.maxAbsDiff(uninterrupted, after);
        System.out.println("resume: max abs weight difference " + diff);
        assertThat(diff).isLessThan(1e-6);
        assertThat(Checkpoints.list(out)).extracting(p -> p.getFileName().toString())
                .containsExactly("checkpoint-4", "checkpoint-8");
        assertThat(out.resolve("checkpoint-8").resolve(SftTrainer.OPTIMIZER_FILE)).exists();
        assertThat(out.resolve("checkpoint-8").resolve("model.safetensors")).exists();
        // metrics.jsonl: the killed run's lines after the checkpoint were dropped, not repeated
        List<Long> loggedSteps = metrics(out).stream().map(l -> l.get("step").getAsLong()).toList();
        assertThat(loggedSteps).containsExactly(5L, 10L);
    }

    @Test
    void earlyStoppingEndsTheRunAndTheOutputHoldsTheBestWeights() throws Exception {
        Path out = tmp.resolve("early");
        // eight examples seen over and over at a high rate: the eval loss turns up soon
        SftConfig config = new SftConfig(1e-2, AdamW.Hyper.DEFAULT, 0, 60, 1, 8, 1, 1.0, 128, 3, 8, 2, true, 5,
                0, 2, 7, null, out, false);
        SftResult result;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                SftTrainer trainer = new SftTrainer(config, lm)) {
            result = trainer.train(train.subList(0, 8), eval, TrainingListener.NONE);
        }
        assertThat(result.stoppedEarly()).isTrue();
        assertThat(result.globalStep()).isLessThan(60).isEqualTo(result.bestStep() + 2 * 3);
        try (LanguageModel saved = LanguageModel.load(out);
                SftTrainer check = new SftTrainer(config.withOutputDir(tmp.resolve("unused")), saved)) {
            assertThat(check.evaluate(check.tokenize(eval))).isCloseTo(result.bestEvalLoss(),
                    org.assertj.core.api.Assertions.within(1e-4));
        }
    }

    @Test
    void gradientAccumulationOfTwoHalfBatchesEqualsOneFullBatch() {
        Map<String, float[]> whole;
        Map<String, float[]> accumulated;
        SftConfig one = new SftConfig(3e-3, AdamW.Hyper.DEFAULT, 1, 3, 1, 8, 1, 1.0, 128, 0, 8, 0, true, 5, 0, 2, 7,
                null, tmp.resolve("one"), false);
        SftConfig two = new SftConfig(3e-3, AdamW.Hyper.DEFAULT, 1, 3, 1, 4, 2, 1.0, 128, 0, 8, 0, true, 5, 0, 2, 7,
                null, tmp.resolve("two"), false);
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                SftTrainer trainer = new SftTrainer(one, lm)) {
            trainer.train(train, List.of(), TrainingListener.NONE);
            whole = TestData.snapshot(lm.network().parameters());
        }
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                SftTrainer trainer = new SftTrainer(two, lm)) {
            trainer.train(train, List.of(), TrainingListener.NONE);
            accumulated = TestData.snapshot(lm.network().parameters());
        }
        // the same examples per update, the loss normalised by the window's token count: only
        // float summation order differs
        assertThat(TestData.maxAbsDiff(whole, accumulated)).isLessThan(1e-5);
    }

    @Test
    void aResumedLoraRunWithDropoutRepeatsTheSameUpdates() {
        LoraSettings lora = new LoraSettings(4, 8, 0.1, List.of("q_proj", "v_proj", "down_proj"), false);
        SftConfig base = config(tmp.resolve("lora-straight"), 6).withLora(lora);
        Map<String, float[]> straight;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                SftTrainer trainer = new SftTrainer(base, lm)) {
            trainer.train(train, List.of(), TrainingListener.NONE);
            straight = TestData.snapshot(trainer.lora().parameters());
        }
        Path out = tmp.resolve("lora-resumed");
        SftConfig config = new SftConfig(base.args().learningRate(), base.args().adam(), base.args().warmupSteps(), 6, 1, 8, 1, 1.0, 128,
                0, 8, 0, true, 5, 3, 2, 7, lora, out, false);
        AtomicInteger steps = new AtomicInteger();
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                SftTrainer trainer = new SftTrainer(config, lm)) {
            trainer.train(train, List.of(), new TrainingListener() {
                @Override
                public boolean shouldStop() {
                    return steps.incrementAndGet() >= 4;
                }
            });
        }
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                SftTrainer trainer = new SftTrainer(config.withResume(true), lm)) {
            SftResult resumed = trainer.train(train, List.of(), TrainingListener.NONE);
            assertThat(resumed.resumedFrom()).isEqualTo(out.resolve("checkpoint-3"));
            assertThat(TestData.maxAbsDiff(straight, TestData.snapshot(trainer.lora().parameters()))).isLessThan(1e-6);
        }
    }

    @Test
    void sftRunTrainsFromADatasetDirectory() throws Exception {
        Path data = tmp.resolve("dataset");
        Files.createDirectories(data);
        try (var w = Files.newBufferedWriter(data.resolve("train.jsonl"))) {
            ai.kaizen.trainer.dataset.JsonlFormats.writeSft(train, w);
        }
        SftResult result = SftRun.run(Fixtures.stories260k(), config(tmp.resolve("run"), 2), data, TrainingListener.NONE);
        assertThat(result.globalStep()).isEqualTo(2);
        assertThat(result.bestStep()).isEqualTo(-1);
        assertThat(tmp.resolve("run").resolve(SftTrainer.CONFIG_FILE)).exists();
        assertThat(tmp.resolve("run").resolve("model.safetensors")).exists();
    }

    /**
     * PyTorch records autograd per thread and a new thread starts with recording on; DJL turns it off only on the
     * thread that started its engine. A trainer run on any other thread (a server's worker, a test after another
     * test started the engine) must still be able to update its weights in place.
     */
    @Test
    void trainsOnAThreadWherePyTorchStartedRecordingAutograd() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<SftResult> result = new java.util.concurrent.atomic.AtomicReference<>();
        ai.djl.engine.Engine.getEngine("PyTorch"); // started here, on the test's thread
        Thread worker = new Thread(() -> {
            try {
                ai.djl.pytorch.jni.JniUtils.setGradMode(true); // what a fresh PyTorch thread has
                result.set(SftRun.run(Fixtures.stories260k(), config(tmp.resolve("thread"), 2), train, eval,
                        TrainingListener.NONE));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        worker.start();
        worker.join();
        assertThat(failure.get()).as("training on another thread").isNull();
        assertThat(result.get().globalStep()).isEqualTo(2);
    }
}
