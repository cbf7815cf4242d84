package ai.kaizen.trainer.pairwise;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.trainer.training.Checkpoints;
import ai.kaizen.trainer.training.ModelOutput;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What the tests of the trainers on {@link PreferenceTrainingLoop} (reward model, DPO, KTO) share: the options of a
 * small run, a run stopped and resumed against an uninterrupted one, and the checks of a saved policy.
 */
public final class PreferenceTestRuns {

    private PreferenceTestRuns() {}

    /** Options a stopped-and-resumed run adds to a small run's: 2 x 2 examples a step, a checkpoint every 3 steps. */
    private static final List<String> CHECKPOINT_EVERY_3 = List.of("gradient_accumulation_steps", "2",
            "per_device_train_batch_size", "2", "save_steps", "3");

    /**
     * Options for a 260K-parameter model: a large learning rate, a 2-step warmup, short runs, evaluation only at
     * the end, sequences of 128 tokens, seed 7.
     *
     * @param learningRate the learning rate
     * @param loggingSteps a training line every this many steps
     * @param steps {@code max_steps}
     * @param extra more options: name, then its value as JSON, in turn
     * @return the options
     */
    public static JsonObject smallRun(double learningRate, int loggingSteps, int steps, String... extra) {
        JsonObject o = new JsonObject();
        o.addProperty("learning_rate", learningRate);
        o.addProperty("warmup_steps", 2);
        o.addProperty("max_steps", steps);
        o.addProperty("max_length", 128);
        o.addProperty("logging_steps", loggingSteps);
        o.addProperty("eval_steps", 0);
        o.addProperty("seed", 7);
        for (int i = 0; i < extra.length; i += 2) {
            o.add(extra[i], JsonParser.parseString(extra[i + 1]));
        }
        return o;
    }

    /**
     * A test's small-run configuration.
     *
     * @param <C> the trainer's configuration
     */
    @FunctionalInterface
    public interface SmallRun<C> {

        /**
         * @param out the output directory
         * @param steps {@code max_steps}
         * @param extra more options: name, then its value as JSON, in turn
         * @return the configuration
         */
        C config(Path out, int steps, String... extra);
    }

    /**
     * Checks a full fine-tuning's output: a policy that loads and generates.
     *
     * @param out the run's output directory
     */
    public static void assertSavedAPolicyThatGenerates(Path out) {
        try (LanguageModel policy = LanguageModel.load(out)) {
            assertThat(policy.generator().chat(List.of(ChatMessage.user("My order?")), GenerationOptions.greedy(8),
                    token -> true).tokenIds()).isNotEmpty();
        }
    }

    /**
     * Checks a LoRA run's output: PEFT's layout (the adapters at the top) and the merged model beside it, which is
     * what loading the directory gives.
     *
     * @param out the run's output directory
     */
    public static void assertSavedPeftAndMergedOutputs(Path out) {
        assertThat(out.resolve("adapter_config.json")).exists();
        assertThat(out.resolve(ModelOutput.MERGED_DIR).resolve("config.json")).exists();
        try (LanguageModel merged = LanguageModel.load(out)) {
            assertThat(merged.network().config().hiddenSize()).isEqualTo(64);
        }
    }

    /** A finished run and the weights it trained. */
    public record Trained(PairwiseResult result, Map<String, float[]> weights) {}

    /**
     * One run of the trainer under test, from the stories260K policy, on the test's data.
     *
     * @param <C> the trainer's configuration
     */
    @FunctionalInterface
    public interface Run<C> {

        /**
         * @param config the run's options
         * @param listener progress callbacks
         * @return the result and the trained weights
         */
        Trained train(C config, TrainingListener listener) throws Exception;
    }

    /**
     * @param open the trainer for a configuration and a fresh stories260K policy
     * @param train a run of the trainer on the test's data
     * @param weights the weights a run is judged by: the policy's, or only those the trainer trains
     * @param <C> the trainer's configuration
     * @param <T> the trainer
     * @return the runs
     */
    public static <C, T extends AutoCloseable> Run<C> onStories260k(BiFunction<C, LanguageModel, T> open,
            BiFunction<T, TrainingListener, PairwiseResult> train,
            BiFunction<T, LanguageModel, Iterable<Pair<String, Parameter>>> weights) {
        return (config, listener) -> {
            try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k()); T trainer = open.apply(config, lm)) {
                return new Trained(train.apply(trainer, listener), TestData.snapshot(weights.apply(trainer, lm)));
            }
        };
    }

    /**
     * Trains 6 steps of 2 x 2 examples without a stop, then again with a checkpoint every 3 steps, killed one step
     * after the checkpoint of step 3 and resumed, and checks that the resumed run starts from that checkpoint and
     * ends with the uninterrupted run's weights.
     *
     * @param what the method, for the printed difference
     * @param tmp a folder for the runs
     * @param smallRun the test's configuration
     * @param resuming the configuration made to resume
     * @param run the trainer under test
     * @param extra the test's own options: name, then its value as JSON, in turn
     * @param <C> the trainer's configuration
     * @return the resumed run's output directory
     */
    public static <C> Path assertResumesToTheUninterruptedWeights(String what, Path tmp, SmallRun<C> smallRun,
            UnaryOperator<C> resuming, Run<C> run, String... extra) throws Exception {
        List<String> options = new ArrayList<>(List.of(extra));
        options.addAll(CHECKPOINT_EVERY_3);
        Function<Path, C> config = out -> smallRun.config(out, 6, options.toArray(String[]::new));
        Map<String, float[]> straight = run.train(config.apply(tmp.resolve("straight")), TrainingListener.NONE)
                .weights();
        Path out = tmp.resolve("resumed");
        C interrupted = config.apply(out);
        AtomicInteger steps = new AtomicInteger();
        PairwiseResult stopped = run.train(interrupted, new TrainingListener() {
            @Override
            public boolean shouldStop() {
                return steps.incrementAndGet() >= 4; // killed one step after the checkpoint of step 3
            }
        }).result();
        assertThat(stopped.globalStep()).isEqualTo(4);
        assertThat(Checkpoints.latest(out)).contains(out.resolve("checkpoint-3"));
        Trained resumed = run.train(resuming.apply(interrupted), TrainingListener.NONE);
        assertThat(resumed.result().resumedFrom()).isEqualTo(out.resolve("checkpoint-3"));
        assertThat(resumed.result().globalStep()).isEqualTo(6);
        double diff = TestData.maxAbsDiff(straight, resumed.weights());
        System.out.println(what + " resume: max abs weight difference " + diff);
        assertThat(diff).isLessThan(1e-6);
        return out;
    }
}
