package ai.kaizen.trainer.pairwise;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.llama.TorchThreads;
import ai.kaizen.model.training.Autograd;
import ai.kaizen.model.training.Gradients;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.optim.WarmupCosineSchedule;
import ai.kaizen.trainer.sft.SftTrainer;
import ai.kaizen.trainer.training.Checkpoints;
import ai.kaizen.trainer.training.EpochCursor;
import ai.kaizen.trainer.training.MetricsLog;
import ai.kaizen.trainer.training.TrainerState;
import ai.kaizen.trainer.training.TrainingArguments;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop of the preference trainers (reward model, DPO, KTO), the same as
 * {@link SftTrainer}'s: AdamW with warmup and cosine decay, gradient accumulation, global-norm
 * clipping, {@code metrics.jsonl} every {@code logging_steps}, evaluation every {@code eval_steps}
 * (and at the end), atomic checkpoints every {@code save_steps} that {@code resume} continues
 * from exactly.
 *
 * <p>A checkpoint holds the trainable weights ({@link PreferenceObjective#saveTrainable}),
 * {@code optimizer.safetensors} (AdamW moments and step) and {@code trainer_state.json} (step,
 * data position, seed). Nothing random happens during training (dropout is off, the shuffle
 * depends on seed and epoch), so nothing else is needed to continue exactly.
 *
 * @param <E> the algorithm's tokenised training example (a pair, or KTO's labelled answer)
 */
public class PreferenceTrainingLoop<E> {

    private static final Logger LOG = LoggerFactory.getLogger(PreferenceTrainingLoop.class);

    private final TrainingArguments args;
    private final PreferenceObjective<E> objective;
    private final String configFile;
    private final JsonObject configJson;

    /**
     * @param args the shared options
     * @param objective the algorithm
     * @param configFile name of the configuration file written into the output directory
     * @param configJson the whole configuration, TRL names (compared on resume)
     */
    public PreferenceTrainingLoop(TrainingArguments args, PreferenceObjective<E> objective, String configFile,
            JsonObject configJson) {
        this.args = args;
        this.objective = objective;
        this.configFile = configFile;
        this.configJson = configJson;
    }

    /**
     * Trains (resuming if asked and a checkpoint exists). The caller saves the final model.
     *
     * @param train tokenised training examples
     * @param eval tokenised evaluation examples (may be empty)
     * @param listener progress callbacks
     * @return what happened
     */
    public PairwiseResult run(List<E> train, List<E> eval, TrainingListener listener) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training " + objective.unit()
                    + " with answer tokens to learn from");
        }
        Autograd.offOutsideCollectors();
        long totalSteps = args.totalSteps(train.size());
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(args.learningRate(), args.warmupSteps(),
                (int) totalSteps);
        int threads = TorchThreads.get();
        TorchThreads.set(Runtime.getRuntime().availableProcessors()); // no Java decoding while training
        Window run = new Window(objective);
        Map<String, Double> lastEval = new LinkedHashMap<>();
        TrainerState state = TrainerState.start(args.seed());
        Path resumedFrom = null;
        try (AdamW optimizer = new AdamW(objective.trainable(), args.adam())) {
            objective.prepare(train, eval); // before restoring: the DPO and KTO reference is the starting policy
            Optional<Path> checkpoint = args.resume() ? Checkpoints.latest(args.outputDir()) : Optional.empty();
            if (checkpoint.isPresent()) {
                resumedFrom = checkpoint.get();
                state = restore(resumedFrom, optimizer);
                LOG.info("Resuming from {} (step {})", resumedFrom, state.globalStep());
            }
            writeConfig();
            try (MetricsLog metrics = MetricsLog.open(args.outputDir(),
                    resumedFrom == null ? -1 : state.globalStep())) {
                Window window = new Window(objective);
                EpochCursor<E> cursor = new EpochCursor<>(train, args.batchSize(), args.seed(),
                        state.epoch(), state.batchInEpoch());
                boolean evaluatedLast = false;
                while (state.globalStep() < totalSteps) {
                    long started = System.nanoTime();
                    List<List<E>> micro = new ArrayList<>();
                    int windowExamples = 0;
                    long tokens = 0;
                    for (int i = 0; i < args.gradientAccumulation(); i++) {
                        List<E> batch = cursor.next();
                        micro.add(batch);
                        windowExamples += batch.size();
                        for (E e : batch) {
                            tokens += objective.tokens(e);
                        }
                    }
                    Map<String, Double> sums = new LinkedHashMap<>();
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        for (List<E> batch : micro) {
                            try (NDScope scope = new NDScope()) {
                                scope.suppressNotUsedWarning();
                                objective.backward(batch, windowExamples, collector)
                                        .forEach((k, v) -> sums.merge(k, v, Double::sum));
                            }
                        }
                    }
                    double norm;
                    try (NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        norm = Gradients.clip(optimizer.gradients(), args.maxGradNorm());
                    }
                    optimizer.step(schedule.learningRate(state.globalStep()));
                    optimizer.zeroGradients();
                    objective.updated();
                    long nanos = System.nanoTime() - started;
                    run.add(sums, windowExamples, tokens, norm, nanos);
                    window.add(sums, windowExamples, tokens, norm, nanos);
                    state = new TrainerState(state.globalStep() + 1, cursor.epoch(), cursor.batch(), state.seed(),
                            state.numTokens() + tokens, Double.NaN, -1, 0);
                    evaluatedLast = false;
                    long s = state.globalStep();
                    if (s % args.loggingSteps() == 0 || s == totalSteps) {
                        Map<String, Number> line = new LinkedHashMap<>(window.means());
                        line.put("grad_norm", window.gradNorm / window.steps);
                        line.put("learning_rate", schedule.learningRate(s - 1));
                        line.put("num_tokens", state.numTokens());
                        line.put("train_" + objective.unit() + "_per_second", window.examplesPerSecond());
                        line.put("train_tokens_per_second", window.tokensPerSecond());
                        line.put("epoch", cursor.progress());
                        line.put("step", s);
                        log(metrics, listener, line);
                        window = new Window(objective);
                    }
                    if (!eval.isEmpty() && args.evalSteps() > 0 && s % args.evalSteps() == 0) {
                        lastEval = evaluate(eval, s, cursor.progress(), metrics, listener);
                        evaluatedLast = true;
                    }
                    if (args.saveSteps() > 0 && s % args.saveSteps() == 0) {
                        TrainerState saved = state;
                        listener.onCheckpoint(Checkpoints.write(args.outputDir(), s, dir -> {
                            objective.saveTrainable(dir);
                            optimizer.save(dir.resolve(SftTrainer.OPTIMIZER_FILE));
                            saved.write(dir);
                        }, args.saveTotalLimit()));
                    }
                    if (listener.shouldStop()) {
                        break;
                    }
                }
                if (!eval.isEmpty() && !evaluatedLast) {
                    lastEval = evaluate(eval, state.globalStep(), cursor.progress(), metrics, listener);
                }
            }
        } finally {
            TorchThreads.set(threads);
        }
        return new PairwiseResult(state.globalStep(), totalSteps, run.means(), lastEval, resumedFrom,
                run.examplesPerSecond(), run.tokensPerSecond(), args.outputDir());
    }

    private Map<String, Double> evaluate(List<E> eval, long step, double epoch, MetricsLog metrics,
            TrainingListener listener) {
        long started = System.nanoTime();
        Map<String, Double> means = objective.evaluate(eval);
        Map<String, Double> prefixed = new LinkedHashMap<>();
        means.forEach((k, v) -> prefixed.put("eval_" + k, v));
        Map<String, Number> line = new LinkedHashMap<>(prefixed);
        line.put("eval_runtime", (System.nanoTime() - started) / 1e9);
        line.put("epoch", epoch);
        line.put("step", step);
        log(metrics, listener, line);
        return prefixed;
    }

    private static void log(MetricsLog metrics, TrainingListener listener, Map<String, Number> line) {
        metrics.append(line);
        LOG.info("{}", line);
        listener.onLog(Collections.unmodifiableMap(line));
    }

    private TrainerState restore(Path checkpoint, AdamW optimizer) {
        TrainerState state = TrainerState.read(checkpoint);
        if (state.seed() != args.seed()) {
            throw new IllegalStateException("Checkpoint " + checkpoint + " was written with seed " + state.seed()
                    + ", the configuration says " + args.seed());
        }
        objective.restoreTrainable(checkpoint);
        optimizer.load(checkpoint.resolve(SftTrainer.OPTIMIZER_FILE));
        objective.updated();
        Path file = args.outputDir().resolve(configFile);
        if (Files.exists(file)) {
            JsonObject before = Json.readObject(file);
            JsonObject now = configJson.deepCopy();
            before.remove("resume");
            now.remove("resume");
            if (!before.equals(now)) {
                // a resumed run with another schedule or batch size is not the run it continues
                LOG.warn("Resuming with a configuration that differs from the checkpointed run's: was {}, now {}",
                        before, now);
            }
        }
        return state;
    }

    private void writeConfig() {
        try {
            Files.createDirectories(args.outputDir());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Json.write(args.outputDir().resolve(configFile), configJson);
    }

    /** Sums over a span of updates (a logging window, or the whole run). */
    private static final class Window {
        private final PreferenceObjective<?> objective;
        private final Map<String, Double> sums = new LinkedHashMap<>();
        private long examples;
        private long tokens;
        private double gradNorm;
        private int steps;
        private long nanos;

        Window(PreferenceObjective<?> objective) {
            this.objective = objective;
        }

        void add(Map<String, Double> stepSums, int stepExamples, long stepTokens, double norm, long stepNanos) {
            stepSums.forEach((k, v) -> sums.merge(k, v, Double::sum));
            examples += stepExamples;
            tokens += stepTokens;
            gradNorm += norm;
            steps++;
            nanos += stepNanos;
        }

        Map<String, Double> means() {
            return objective.means(sums, examples);
        }

        double examplesPerSecond() {
            return nanos == 0 ? 0 : examples / (nanos / 1e9);
        }

        double tokensPerSecond() {
            return nanos == 0 ? 0 : tokens / (nanos / 1e9);
        }
    }
}
