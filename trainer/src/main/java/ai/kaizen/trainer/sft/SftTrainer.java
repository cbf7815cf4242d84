package ai.kaizen.trainer.sft;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.TorchThreads;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.safetensors.SafetensorsReader;
import ai.kaizen.model.safetensors.SafetensorsWriter;
import ai.kaizen.model.training.Autograd;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.optim.WarmupCosineSchedule;
import ai.kaizen.trainer.training.Batch;
import ai.kaizen.trainer.training.ChatTokenization;
import ai.kaizen.trainer.training.Checkpoints;
import ai.kaizen.trainer.training.EpochCursor;
import ai.kaizen.trainer.training.MetricsLog;
import ai.kaizen.trainer.training.ModelOutput;
import ai.kaizen.trainer.training.TokenizedExample;
import ai.kaizen.trainer.training.TrainableWeights;
import ai.kaizen.trainer.training.TrainerState;
import ai.kaizen.trainer.training.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised fine-tuning (TRL's {@code SFTTrainer}): next-token cross-entropy on the assistant
 * turns of conversations, full fine-tuning or LoRA, AdamW with warmup and cosine decay, gradient
 * accumulation, global-norm clipping, periodic evaluation with early stopping, atomic checkpoints
 * that a killed run resumes from, and a Hugging Face layout output directory.
 *
 * <pre>{@code
 * try (LanguageModel lm = LanguageModel.load(base);
 *      SftTrainer trainer = new SftTrainer(config, lm)) {
 *     SftResult result = trainer.train(dataset.train(), dataset.eval(), TrainingListener.NONE);
 * }
 * }</pre>
 *
 * <h2>Output directory</h2>
 *
 * <pre>
 * metrics.jsonl              one line per log/eval (TRL names)
 * sft_config.json            the configuration (TRL names)
 * checkpoint-STEP/           every save_steps: weights (config.json + model.safetensors, or PEFT
 *                            adapter_config.json + adapter_model.safetensors), optimizer.safetensors
 *                            (AdamW moments), trainer_state.json (step, data position, seed, best),
 *                            best_weights.safetensors (trainable weights of the best eval, if any)
 * config.json, model.safetensors, generation_config.json, tokenizer files, chat_template.jinja
 *                            the final model (full fine-tuning), or with LoRA: the PEFT adapter files
 *                            plus tokenizer files, and merged/ with the merged full model
 * </pre>
 *
 * <p>Process-wide: DJL allows one gradient collector per JVM, so one trainer trains at a time.
 * The trainer sets PyTorch's intra-op threads to all cores while training.
 */
public final class SftTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SftTrainer.class);

    /** Optimizer state file inside a checkpoint. */
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";

    /** Trainable weights of the best evaluation inside a checkpoint. */
    public static final String BEST_FILE = "best_weights.safetensors";

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "sft_config.json";

    private final SftConfig config;
    private final LanguageModel model;
    private final LlamaModel network;
    private final TrainableWeights weights;
    private final List<Pair<String, Parameter>> trainable;
    private final AdamW optimizer;
    private final NDManager manager;
    private final ChatTokenization tokenization;
    private final int maxLength;
    private Map<String, NDArray> bestWeights;

    /**
     * Prepares a model for training: attaches LoRA adapters (base frozen) or makes every weight
     * trainable, and creates the optimizer.
     *
     * @param config the run's configuration
     * @param model the model to train, in float32 (its weights change in place)
     */
    public SftTrainer(SftConfig config, LanguageModel model) {
        this.config = config;
        this.model = model;
        this.network = model.network();
        weights = new TrainableWeights(model, config.args());
        trainable = weights.parameters();
        optimizer = new AdamW(trainable, config.args().adam());
        manager = network.manager().newSubManager();
        int context = network.config().maxPositionEmbeddings();
        if (config.maxLength() > context) {
            // positions past the pretrained context would train on untrained rotary angles
            LOG.warn("max_length {} exceeds the model's context of {} tokens; using {}", config.maxLength(), context,
                    context);
        }
        maxLength = Math.min(config.maxLength(), context);
        tokenization = new ChatTokenization(model.tokenizer(), maxLength);
    }

    /** @return the configuration */
    public SftConfig config() {
        return config;
    }

    /** @return the LoRA adapters being trained, or null for full fine-tuning */
    public Lora lora() {
        return weights.lora();
    }

    /** @return the parameters the optimizer updates, by name */
    public List<Pair<String, Parameter>> trainableParameters() {
        return trainable;
    }

    /**
     * Tokenises examples, dropping those left without an assistant token after truncation.
     *
     * @param examples the examples
     * @return the tokenised examples
     */
    public List<TokenizedExample> tokenize(List<SftExample> examples) {
        List<TokenizedExample> out = new ArrayList<>(examples.size());
        for (SftExample e : examples) {
            TokenizedExample t = tokenization.tokenize(e);
            if (t.targetCount() > 0) {
                out.add(t);
            }
        }
        if (out.size() < examples.size()) {
            LOG.warn("{} of {} examples have no assistant token within max_length={} and are skipped",
                    examples.size() - out.size(), examples.size(), maxLength);
        }
        return out;
    }

    /**
     * Trains, then saves the output directory. With {@code resume} set in the configuration and a
     * checkpoint in the output directory, continues from the newest checkpoint instead of starting
     * over (same examples and configuration expected).
     *
     * @param train training examples
     * @param eval evaluation examples (may be empty: no evaluation, no early stopping)
     * @param listener progress callbacks
     * @return what happened
     */
    public SftResult train(List<SftExample> train, List<SftExample> eval, TrainingListener listener) {
        return trainTokenized(tokenize(train), tokenize(eval), listener);
    }

    /**
     * Trains on examples already tokenised, then saves the output directory, as {@link #train}
     * does. The loss covers the tokens each example marks as targets: for plain-text pretraining
     * ({@link PackedText}) every token, which makes this a causal language-model trainer.
     *
     * @param trainSet training examples
     * @param evalSet evaluation examples (may be empty)
     * @param listener progress callbacks
     * @return what happened
     */
    public SftResult trainTokenized(List<TokenizedExample> trainSet, List<TokenizedExample> evalSet,
            TrainingListener listener) {
        if (trainSet.isEmpty()) {
            throw new IllegalArgumentException("no training example has an assistant token to learn");
        }
        Autograd.offOutsideCollectors();
        int batchesPerEpoch = (trainSet.size() + config.args().batchSize() - 1) / config.args().batchSize();
        long totalSteps = config.args().maxSteps() > 0 ? config.args().maxSteps()
                : (long) Math.ceil(config.args().epochs() * batchesPerEpoch / config.args().gradientAccumulation());
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(config.args().learningRate(), config.args().warmupSteps(),
                (int) totalSteps);

        TrainerState state = TrainerState.start(config.args().seed());
        Path resumedFrom = null;
        Optional<Path> checkpoint = config.args().resume() ? Checkpoints.latest(config.args().outputDir()) : Optional.empty();
        if (checkpoint.isPresent()) {
            resumedFrom = checkpoint.get();
            state = restore(resumedFrom);
            LOG.info("Resuming from {} (step {})", resumedFrom, state.globalStep());
            warnIfConfigChanged();
        }
        writeConfig();
        int threads = TorchThreads.get();
        TorchThreads.set(Runtime.getRuntime().availableProcessors()); // Java decoding is not in use here
        StepStats run = new StepStats();
        boolean stoppedEarly = false;
        try (MetricsLog metrics = MetricsLog.open(config.args().outputDir(), resumedFrom == null ? -1 : state.globalStep())) {
            StepStats window = new StepStats();
            EpochCursor<TokenizedExample> cursor = new EpochCursor<>(trainSet, config.args().batchSize(), config.args().seed(),
                    state.epoch(), state.batchInEpoch());
            boolean evaluatedLast = false;
            while (state.globalStep() < totalSteps) {
                long started = System.nanoTime();
                Engine.getInstance().setRandomSeed((int) (config.args().seed() + state.globalStep())); // dropout
                List<List<TokenizedExample>> micro = new ArrayList<>();
                for (int i = 0; i < config.args().gradientAccumulation(); i++) {
                    micro.add(cursor.next());
                }
                StepResult step = step(micro, schedule.learningRate(state.globalStep()));
                long nanos = System.nanoTime() - started;
                run.add(step, nanos);
                window.add(step, nanos);
                state = new TrainerState(state.globalStep() + 1, cursor.epoch(), cursor.batch(), state.seed(),
                        state.numTokens() + step.tokens(), state.bestEvalLoss(), state.bestStep(),
                        state.evalsWithoutImprovement());
                evaluatedLast = false;
                long s = state.globalStep();
                double epoch = cursor.progress();
                if (s % config.args().loggingSteps() == 0 || s == totalSteps) {
                    Map<String, Number> line = new LinkedHashMap<>();
                    line.put("loss", window.meanLoss());
                    line.put("grad_norm", window.meanGradNorm());
                    line.put("learning_rate", schedule.learningRate(s - 1));
                    line.put("num_tokens", state.numTokens());
                    line.put("train_tokens_per_second", window.tokensPerSecond());
                    line.put("epoch", epoch);
                    line.put("step", s);
                    log(metrics, listener, line);
                    window = new StepStats();
                }
                if (!evalSet.isEmpty() && config.args().evalSteps() > 0 && s % config.args().evalSteps() == 0) {
                    state = evaluateAndTrack(evalSet, state, epoch, metrics, listener);
                    evaluatedLast = true;
                }
                if (config.args().saveSteps() > 0 && s % config.args().saveSteps() == 0) {
                    listener.onCheckpoint(saveCheckpoint(state));
                }
                if (config.earlyStoppingPatience() > 0
                        && state.evalsWithoutImprovement() >= config.earlyStoppingPatience()) {
                    LOG.info("Early stopping at step {}: no eval_loss improvement in {} evaluations", s,
                            state.evalsWithoutImprovement());
                    stoppedEarly = true;
                    break;
                }
                if (listener.shouldStop()) {
                    break;
                }
            }
            if (!evalSet.isEmpty() && !evaluatedLast) {
                state = evaluateAndTrack(evalSet, state, cursor.progress(), metrics, listener);
            }
        } finally {
            TorchThreads.set(threads);
        }
        if (config.loadBestAtEnd() && bestWeights != null && state.bestStep() != state.globalStep()) {
            LOG.info("Restoring the weights of step {} (eval_loss {})", state.bestStep(), state.bestEvalLoss());
            copyInto(bestWeights);
        }
        saveOutput(config.args().outputDir());
        return new SftResult(state.globalStep(), totalSteps, run.meanLoss(), state.bestEvalLoss(), state.bestStep(),
                stoppedEarly, resumedFrom, run.tokensPerSecond(), config.args().outputDir());
    }

    private record StepResult(double loss, double gradNorm, long tokens) {}

    /** Sums over a span of updates (a logging window, or the whole run). */
    private static final class StepStats {
        private double loss;
        private double gradNorm;
        private int steps;
        private long tokens;
        private long nanos;

        void add(StepResult step, long stepNanos) {
            loss += step.loss();
            gradNorm += step.gradNorm();
            steps++;
            tokens += step.tokens();
            nanos += stepNanos;
        }

        double meanLoss() {
            return steps == 0 ? Double.NaN : loss / steps;
        }

        double meanGradNorm() {
            return steps == 0 ? Double.NaN : gradNorm / steps;
        }

        double tokensPerSecond() {
            return nanos == 0 ? 0 : tokens / (nanos / 1e9);
        }
    }

    /** One optimizer update over an accumulation window of micro-batches. */
    private StepResult step(List<List<TokenizedExample>> micro, double learningRate) {
        int windowTargets = 0;
        long tokens = 0;
        for (List<TokenizedExample> batch : micro) {
            for (TokenizedExample e : batch) {
                windowTargets += e.targetCount();
                tokens += e.length();
            }
        }
        double nll = 0;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            for (List<TokenizedExample> examples : micro) {
                try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    // weights divided by the whole window's target count: accumulation equals one big
                    // batch (and no Java-backed scalar enters the graph, see Batch.nativeCopy)
                    Batch batch = Batch.of(examples, m).withWeightsDividedBy(windowTargets);
                    ForwardOutput out = network.forward(batch.inputIds(), batch.attentionMask(), true);
                    NDArray loss = CausalLmLoss.summedNll(out.logits(), batch);
                    collector.backward(loss);
                    nll += loss.getFloat();
                }
            }
        }
        double norm;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            norm = ai.kaizen.model.training.Gradients.clip(optimizer.gradients(), config.args().maxGradNorm());
        }
        optimizer.step(learningRate);
        optimizer.zeroGradients();
        network.weightsChanged();
        return new StepResult(nll, norm, tokens);
    }

    /**
     * The mean next-token loss over all assistant tokens of a set (every token weighs the same,
     * whatever its batch), without gradients or dropout.
     *
     * @param examples tokenised examples
     * @return the loss (NaN for no target token)
     */
    public double evaluate(List<TokenizedExample> examples) {
        // no graph: called on its own (a model's measurement), recording may be on, and each batch's autograd graph
        // would hold every activation until the batch's arrays are freed
        return Autograd.withoutRecording(() -> evaluateBatches(examples));
    }

    /**
     * Tokens an evaluation batch holds at most (examples x its longest example): a forward pass keeps every layer's
     * activations until its batch ends, and attention's grow with the square of the length, so a batch of the
     * longest conversations at the evaluation batch size would take gigabytes. The training shape (16 x 256).
     */
    static final int EVAL_BATCH_TOKENS = 16 * 256;

    private double evaluateBatches(List<TokenizedExample> examples) {
        // shortest first, so that batches hold examples of like length (the loss is a sum over tokens: order and
        // batching do not change it)
        List<TokenizedExample> byLength = new ArrayList<>(examples);
        byLength.sort(Comparator.comparingInt(TokenizedExample::length));
        double sum = 0;
        long targets = 0;
        int from = 0;
        while (from < byLength.size()) {
            int to = from + 1;
            while (to < byLength.size() && to - from < config.args().evalBatchSize()
                    && (to - from + 1L) * byLength.get(to).length() <= EVAL_BATCH_TOKENS) {
                to++;
            }
            try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                Batch batch = Batch.of(byLength.subList(from, to), m);
                ForwardOutput out = network.forward(batch.inputIds(), batch.attentionMask(), false);
                sum += CausalLmLoss.summedNll(out.logits(), batch).getFloat();
                targets += batch.targetTokens();
            }
            from = to;
        }
        return targets == 0 ? Double.NaN : sum / targets;
    }

    private TrainerState evaluateAndTrack(List<TokenizedExample> evalSet, TrainerState state, double epoch,
            MetricsLog metrics, TrainingListener listener) {
        long started = System.nanoTime();
        double loss = evaluate(evalSet);
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Number> line = new LinkedHashMap<>();
        line.put("eval_loss", loss);
        line.put("eval_runtime", seconds);
        line.put("epoch", epoch);
        line.put("step", state.globalStep());
        log(metrics, listener, line);
        if (!state.hasBest() || loss < state.bestEvalLoss()) {
            snapshotBest();
            return new TrainerState(state.globalStep(), state.epoch(), state.batchInEpoch(), state.seed(),
                    state.numTokens(), loss, state.globalStep(), 0);
        }
        return new TrainerState(state.globalStep(), state.epoch(), state.batchInEpoch(), state.seed(),
                state.numTokens(), state.bestEvalLoss(), state.bestStep(), state.evalsWithoutImprovement() + 1);
    }

    private static void log(MetricsLog metrics, TrainingListener listener, Map<String, Number> line) {
        metrics.append(line);
        LOG.info("{}", line);
        listener.onLog(Collections.unmodifiableMap(line));
    }

    /** Keeps a copy of the trainable weights (adapters only with LoRA). */
    private void snapshotBest() {
        if (!config.loadBestAtEnd()) {
            return;
        }
        if (bestWeights == null) {
            bestWeights = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : trainable) {
                NDArray copy = manager.zeros(p.getValue().getArray().getShape(),
                        p.getValue().getArray().getDataType());
                NDScope.unregister(copy);
                bestWeights.put(p.getKey(), copy);
            }
        }
        for (Pair<String, Parameter> p : trainable) {
            p.getValue().getArray().copyTo(bestWeights.get(p.getKey()));
        }
    }

    private void copyInto(Map<String, NDArray> weights) {
        for (Pair<String, Parameter> p : trainable) {
            weights.get(p.getKey()).copyTo(p.getValue().getArray());
        }
        network.weightsChanged();
    }

    private Path saveCheckpoint(TrainerState state) {
        return Checkpoints.write(config.args().outputDir(), state.globalStep(), dir -> {
            saveWeights(dir);
            optimizer.save(dir.resolve(OPTIMIZER_FILE));
            if (bestWeights != null && state.bestStep() != state.globalStep()) {
                SafetensorsWriter.write(dir.resolve(BEST_FILE), bestWeights, DType.F32, Map.of("format", "pt"));
            }
            state.write(dir);
        }, config.args().saveTotalLimit());
    }

    /** The trainable weights in their public layout: the whole model (HF) or the adapters (PEFT). */
    private void saveWeights(Path dir) {
        weights.save(dir);
    }

    private TrainerState restore(Path checkpoint) {
        TrainerState state = TrainerState.read(checkpoint);
        if (state.seed() != config.args().seed()) {
            throw new IllegalStateException("Checkpoint " + checkpoint + " was written with seed " + state.seed()
                    + ", the configuration says " + config.args().seed());
        }
        weights.restore(checkpoint);
        optimizer.load(checkpoint.resolve(OPTIMIZER_FILE));
        if (state.hasBest() && config.loadBestAtEnd()) {
            if (state.bestStep() == state.globalStep()) {
                snapshotBest();
            } else if (Files.exists(checkpoint.resolve(BEST_FILE))) {
                snapshotBest(); // allocates the copies
                try (SafetensorsReader reader = SafetensorsReader.open(checkpoint.resolve(BEST_FILE))) {
                    bestWeights.forEach((name, array) -> reader.readInto(name, array, 0));
                }
            }
        }
        return state;
    }

    /** A resumed run with other hyper-parameters (schedule length, batch size) is not the run it continues. */
    private void warnIfConfigChanged() {
        Path file = config.args().outputDir().resolve(CONFIG_FILE);
        if (!Files.exists(file)) {
            return;
        }
        com.google.gson.JsonObject before = Json.readObject(file);
        com.google.gson.JsonObject now = config.toJson();
        before.remove("resume");
        now.remove("resume");
        if (!before.equals(now)) {
            LOG.warn("Resuming with a configuration that differs from the checkpointed run's {}: was {}, now {}", file,
                    before, now);
        }
    }

    private void writeConfig() {
        try {
            Files.createDirectories(config.args().outputDir());
            Files.writeString(config.args().outputDir().resolve(CONFIG_FILE), Json.PRETTY.toJson(config.toJson()),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Saves the trained model in Hugging Face layout: the full model with generation config,
     * tokenizer files and the chat template it was trained with ({@code chat_template.jinja}, also
     * when it was the fallback, so the output keeps the format it learned); with LoRA, the PEFT
     * adapter files plus tokenizer files, and (if configured) the merged model in {@code merged/}.
     *
     * @param dir the target directory
     */
    public void saveOutput(Path dir) {
        ModelOutput.save(model, weights.lora(), config.args().mergesLora(), dir);
    }

    /** Frees the optimizer state and best-weight copies; removes LoRA adapters from the model. */
    @Override
    public void close() {
        optimizer.close();
        manager.close();
        weights.close();
    }
}
