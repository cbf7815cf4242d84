package ai.kaizen.trainer.ppo;

import ai.kaizen.model.training.Autograd;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.reward.RewardStats;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.generation.FinishReason;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.generation.TokenListener;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.model.llama.TorchThreads;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.training.Gradients;
import ai.kaizen.model.training.TokenLogprobs;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.sft.Checkpoints;
import ai.kaizen.trainer.sft.MetricsLog;
import ai.kaizen.trainer.sft.SftListener;
import ai.kaizen.trainer.sft.TrainedModelOutput;
import ai.kaizen.trainer.sft.WeightRestore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proximal policy optimisation of a language model against a {@link Reward} (TRL's
 * {@code PPOTrainer}, Ouyang et al. 2022 / Ziegler et al. 2019), one iteration at a time:
 *
 * <ol>
 *   <li>sample responses from the policy for a batch of prompts ({@code time/generation});
 *   <li>score them, and recompute by forward passes the policy's and the frozen reference's
 *       log-probabilities and the critic's values ({@code time/scoring}); per-token rewards are
 *       {@code -beta (logp - ref_logp)}, plus the (normalised, clipped, EOS-penalised) score on the
 *       last token; GAE gives advantages (whitened) and returns;
 *   <li>{@code num_ppo_epochs} passes over shuffled minibatches with the clipped policy and value
 *       losses, one AdamW for policy and critic as TRL does ({@code time/update}); then the
 *       adaptive KL controller moves {@code beta}.
 * </ol>
 *
 * <p>Better than its anchors on what their users complain about: every checkpoint (weights or
 * adapters, critic, optimizer, KL controller, data position) resumes exactly; held-out prompts are
 * evaluated every {@code eval_steps} and the best evaluation becomes the output; a run whose KL
 * passes {@code kl_limit} or whose probability ratio explodes stops and keeps its last good
 * checkpoint, saying why in {@code eval_report.json}, instead of drifting silently; scores are
 * normalised and clipped, and responses without EOS penalised, against reward hacking.
 *
 * <h2>Output directory</h2>
 *
 * <pre>
 * metrics.jsonl           one line per iteration (TRL names) and per evaluation (eval/...)
 * ppo_config.json         the configuration (TRL names)
 * eval_report.json        stop reason, evaluations, the step the output holds
 * checkpoint-STEP/        policy (config.json + model.safetensors, or PEFT adapter files), value/ (critic
 *                         backbone + scalar_head.safetensors), optimizer.safetensors, trainer_state.json
 * best/                   the policy weights of the best evaluation so far
 * config.json, model.safetensors, tokenizer files ...   the output policy (with LoRA: adapters, merged/)
 * </pre>
 *
 * <p>Process-wide: DJL allows one gradient collector per JVM, so one trainer trains at a time.
 */
public final class PpoTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PpoTrainer.class);

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "ppo_config.json";

    /** The evaluation report written into the output directory. */
    public static final String REPORT_FILE = "eval_report.json";

    /** Optimizer state inside a checkpoint. */
    static final String OPTIMIZER_FILE = "optimizer.safetensors";

    /** Critic inside a checkpoint. */
    static final String VALUE_DIR = "value";

    /** Best policy weights inside the output directory. */
    static final String BEST_DIR = "best";

    private final PpoConfig config;
    private final LanguageModel policy;
    private final LlamaModel network;
    private final LlamaModel reference;
    private final Lora lora;
    private final ValueModel value;
    private final Reward reward;
    private final List<Pair<String, Parameter>> policyParameters;
    private final AdamW optimizer;
    private final NDManager manager;
    private final Set<Integer> eosIds;
    private int updateThreads = Runtime.getRuntime().availableProcessors();
    /** The starting policy's evaluation (null without evaluation prompts), set by {@link #train}. */
    private EvalBaseline baseline;

    /**
     * Prepares the models: LoRA adapters on the policy (its reference is then the base with the
     * adapters off) or a full copy of it loaded from its directory as the frozen reference; the
     * critic initialised from the reward model directory; one optimizer.
     *
     * @param config the run's configuration
     * @param policy the policy to train, float32 (its weights change in place)
     * @param rewardModelDir the reward model's directory (backbone + {@code scalar_head.safetensors}),
     *     the critic's initialisation
     * @param reward the reward (owned by the caller)
     * @return the trainer
     */
    public static PpoTrainer create(PpoConfig config, LanguageModel policy, Path rewardModelDir, Reward reward) {
        LlamaModel reference = config.usesLora() ? null : LlamaModel.load(policy.directory(), TrainingDevice.modelOptions());
        try {
            return new PpoTrainer(config, policy, reference, ValueModel.load(rewardModelDir), reward);
        } catch (RuntimeException e) {
            if (reference != null) {
                reference.close();
            }
            throw e;
        }
    }

    /**
     * @param config the run's configuration
     * @param policy the policy to train
     * @param reference a frozen copy of the policy (null with LoRA), owned from now on
     * @param value the critic, owned from now on
     * @param reward the reward (owned by the caller)
     */
    public PpoTrainer(PpoConfig config, LanguageModel policy, LlamaModel reference, ValueModel value, Reward reward) {
        if (config.usesLora() != (reference == null)) {
            throw new IllegalArgumentException("give a reference model for full fine-tuning, none with LoRA");
        }
        this.config = config;
        this.policy = policy;
        this.network = policy.network();
        this.reference = reference;
        this.value = value;
        this.reward = reward;
        if (config.usesLora()) {
            lora = Lora.attach(network, config.lora().toLoraConfig(), config.seed());
            policyParameters = listOf(lora.parameters());
        } else {
            lora = null;
            network.setTrainable(true);
            policyParameters = listOf(network.parameters());
        }
        List<Pair<String, Parameter>> all = new ArrayList<>(policyParameters);
        all.addAll(value.parameters());
        for (Pair<String, Parameter> p : all) {
            p.getValue().getArray().setRequiresGradient(true);
        }
        optimizer = new AdamW(all, config.adam());
        manager = network.manager().newSubManager();
        Set<Integer> eos = policy.generator().eosIds();
        eosIds = eos;
        int context = network.config().maxPositionEmbeddings();
        if (config.maxPromptLength() + config.responseLength() > context) {
            LOG.warn("max_prompt_length {} + response_length {} exceed the context of {} tokens; long prompts are "
                    + "cut further", config.maxPromptLength(), config.responseLength(), context);
        }
    }

    private static List<Pair<String, Parameter>> listOf(Iterable<Pair<String, Parameter>> parameters) {
        List<Pair<String, Parameter>> out = new ArrayList<>();
        parameters.forEach(out::add);
        return out;
    }

    /**
     * Sets PyTorch's intra-op threads during updates (default: every core, as SFT trains). On a
     * machine shared with other busy processes one thread can be faster: with more, every operation
     * waits at an OpenMP barrier for a thread that may not be running (see {@code TorchThreads}).
     *
     * @param threads threads, at least 1
     */
    public void setUpdateThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1");
        }
        updateThreads = threads;
    }

    /** @return the configuration */
    public PpoConfig config() {
        return config;
    }

    /** @return the policy's LoRA adapters, or null for full fine-tuning */
    public Lora lora() {
        return lora;
    }

    /** @return the policy parameters the optimizer updates, by name */
    public List<Pair<String, Parameter>> policyParameters() {
        return Collections.unmodifiableList(policyParameters);
    }

    // ------------------------------------------------------------------------------------ the run

    /**
     * Trains, then saves the output directory. With {@code resume} in the configuration and a
     * checkpoint in the output directory, continues from the newest one.
     *
     * @param trainPrompts prompts to sample training responses for
     * @param evalPrompts held-out prompts (may be empty: no evaluation, the last weights are the output)
     * @param listener progress callbacks ({@code onLog}, {@code onCheckpoint}, {@code shouldStop})
     * @return what happened
     */
    public PpoResult train(List<List<ChatMessage>> trainPrompts, List<List<ChatMessage>> evalPrompts,
            SftListener listener) {
        Autograd.offOutsideCollectors();
        List<int[]> train = tokenize(trainPrompts);
        List<int[]> eval = tokenize(evalPrompts);
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training prompts");
        }
        long totalSteps = config.totalSteps(train.size());
        PpoState state = PpoState.start(config.seed(), config.klCoef());
        Path resumedFrom = null;
        Optional<Path> checkpoint = config.resume() ? Checkpoints.latest(config.outputDir()) : Optional.empty();
        if (checkpoint.isPresent()) {
            resumedFrom = checkpoint.get();
            state = restore(resumedFrom);
            LOG.info("Resuming from {} (step {})", resumedFrom, state.globalStep());
        }
        writeConfig();
        if (resumedFrom == null) {
            // a fresh run starts a fresh directory: an earlier run's checkpoints and best weights would
            // be taken for this run's by the guard rails and the final output
            for (Path stale : Checkpoints.list(config.outputDir())) {
                LOG.warn("Deleting {} of an earlier run (not resuming)", stale);
                deleteTree(stale);
            }
            deleteTree(config.outputDir().resolve(BEST_DIR));
            deleteTree(config.outputDir().resolve(EvalBaseline.FILE)); // an earlier run's starting answers
            if (!eval.isEmpty()) {
                // the starting policy's answers, which every later evaluation's win rate is judged against;
                // written before the first checkpoint, so a run that can resume always has it
                new EvalBaseline(score(generate(eval, evalSeed(), config.evalGreedy()), config.klCoef()).scores())
                        .write(config.outputDir());
            }
            // the guard rails fall back to the newest checkpoint: make sure there always is one
            saveCheckpoint(state);
        }
        baseline = eval.isEmpty() ? null : EvalBaseline.read(config.outputDir()).orElse(null);
        if (!eval.isEmpty() && baseline == null && config.metricForBestModel().equals(PpoConfig.METRIC_WIN_RATE)) {
            throw new IllegalStateException("Cannot resume with metric_for_best_model " + PpoConfig.METRIC_WIN_RATE
                    + ": " + config.outputDir().resolve(EvalBaseline.FILE) + " (the starting policy's evaluation) "
                    + "is missing");
        }
        int threads = TorchThreads.get();
        KlController kl = config.klController().withValue(state.klCoef());
        String stopReason = "completed";
        double firstScore = Double.NaN;
        double lastScore = Double.NaN;
        double lastKl = Double.NaN;
        long restoredStep = -1;
        try (MetricsLog metrics = MetricsLog.open(config.outputDir(), resumedFrom == null ? -1 : state.globalStep())) {
            PromptCursor cursor = new PromptCursor(train.size(), config.seed(), state.epoch(), state.promptInEpoch());
            boolean evaluatedLast = false;
            while (state.globalStep() < totalSteps) {
                long step = state.globalStep();
                List<int[]> prompts = new ArrayList<>();
                for (int i = 0; i < config.rolloutBatchSize(); i++) {
                    prompts.add(train.get(cursor.next()));
                }
                Iteration it = iterate(prompts, step, kl.value());
                Rollout rollout = it.rollout();
                if (!Double.isFinite(firstScore)) {
                    firstScore = rollout.meanScore();
                }
                lastScore = rollout.meanScore();
                lastKl = rollout.meanKl();
                if (it.guardRail() != null) {
                    stopReason = it.guardRail();
                    // a KL seen before the update judges the weights of the previous update; a ratio
                    // exploding during the update leaves the weights before it good
                    restoredStep = restoreLastGood(it.update() == null ? Math.max(0, step - 1) : step);
                    break;
                }
                UpdateStats update = it.update();
                kl = kl.update(rollout.meanKl(), rollout.size());
                state = new PpoState(step + 1, cursor.epoch, cursor.position, state.seed(),
                        state.episodes() + rollout.size(), kl.value(), state.bestScore(), state.bestStep());
                long s = state.globalStep();
                if (s % config.loggingSteps() == 0 || s == totalSteps) {
                    Map<String, Number> line = rollout.metrics(kl.value());
                    line.putAll(update.metrics());
                    line.put("objective/kl_coef", kl.value());
                    line.put("lr", config.learningRate());
                    line.put("time/generation", it.generationSeconds());
                    line.put("time/scoring", it.scoringSeconds());
                    line.put("time/update", it.updateSeconds());
                    line.put("episode", state.episodes());
                    line.put("epoch", cursor.progress());
                    line.put("step", s);
                    log(metrics, listener, line);
                }
                evaluatedLast = false;
                if (!eval.isEmpty() && config.evalSteps() > 0 && s % config.evalSteps() == 0) {
                    state = evaluateAndTrack(eval, state, kl.value(), metrics, listener, true);
                    evaluatedLast = true;
                }
                if (config.saveSteps() > 0 && s % config.saveSteps() == 0) {
                    listener.onCheckpoint(saveCheckpoint(state));
                }
                if (listener.shouldStop()) {
                    stopReason = "stopped";
                    break;
                }
            }
            if (!eval.isEmpty() && !evaluatedLast && restoredStep < 0) {
                // a run stopped early may not move best/: its resumed continuation would not know
                state = evaluateAndTrack(eval, state, kl.value(), metrics, listener,
                        stopReason.equals("completed"));
            }
        } finally {
            TorchThreads.set(threads);
        }
        long outputStep = restoredStep >= 0 ? restoredStep : state.globalStep();
        // the best evaluation becomes the output, unless a guard rail fell back to before it
        if (state.hasBest() && state.bestStep() != outputStep && state.bestStep() <= outputStep) {
            LOG.info("Output: the best evaluation's weights (step {}, score {})", state.bestStep(), state.bestScore());
            restorePolicy(config.outputDir().resolve(BEST_DIR));
            outputStep = state.bestStep();
        }
        if (!stopReason.equals("completed") && !stopReason.equals("stopped")) {
            LOG.warn("PPO stopped by a guard rail: {}; the output holds step {}", stopReason, outputStep);
        }
        TrainedModelOutput.save(policy, lora, lora != null && config.lora().mergeIntoOutput(), config.outputDir());
        writeReport(stopReason, state, outputStep);
        return new PpoResult(state.globalStep(), totalSteps, stopReason, outputStep, state.bestStep(),
                state.bestScore(), firstScore, lastScore, lastKl, resumedFrom, config.outputDir());
    }

    /**
     * One iteration's outcome.
     *
     * @param rollout the scored episodes
     * @param update the update's statistics; null when the KL guard rail stopped it before
     * @param guardRail why a guard rail stopped the run, or null
     */
    private record Iteration(Rollout rollout, UpdateStats update, double generationSeconds, double scoringSeconds,
            double updateSeconds, String guardRail) {}

    /** Sample, score, check the KL, update, check the ratio. */
    private Iteration iterate(List<int[]> prompts, long step, double klCoef) {
        // sampling and scoring are many small operations: one PyTorch thread (no OpenMP barrier
        // per operation, see TorchThreads); the update's large products use every core
        TorchThreads.set(1);
        long t0 = System.nanoTime();
        List<GenerationResult> generated = generate(prompts, rolloutSeed(step), false);
        long t1 = System.nanoTime();
        Rollout rollout = score(generated, klCoef);
        rollout.computeAdvantages(config);
        long t2 = System.nanoTime();
        if (config.klLimit() > 0 && !(rollout.meanKlNonNegative() <= config.klLimit())) {
            return new Iteration(rollout, null, (t1 - t0) / 1e9, (t2 - t1) / 1e9, 0,
                    String.format(java.util.Locale.ROOT, "kl_limit: objective/kl_k3 %.4f > kl_limit %.4f at step %d",
                            rollout.meanKlNonNegative(), config.klLimit(), step + 1));
        }
        TorchThreads.set(updateThreads);
        UpdateStats update;
        try {
            update = update(rollout, step);
        } finally {
            TorchThreads.set(1);
        }
        long t3 = System.nanoTime();
        String guard = !update.ratioExploded() ? null : String.format(java.util.Locale.ROOT,
                "ratio_limit: val/ratio %.4f > ratio_limit %.4f at step %d", update.explodedRatio(),
                config.ratioLimit(), step + 1);
        return new Iteration(rollout, update, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, guard);
    }

    /**
     * Where one PPO iteration's time goes.
     *
     * @param generationSeconds sampling the responses
     * @param scoringSeconds the reward, the policy's, reference's and critic's forward passes, GAE
     * @param updateSeconds the PPO epochs (forward, backward, optimizer steps)
     * @param episodes responses in the iteration
     * @param meanResponseLength their mean length in tokens
     */
    public record IterationTimes(double generationSeconds, double scoringSeconds, double updateSeconds,
            int episodes, double meanResponseLength) {}

    /**
     * Runs one iteration on given prompts, outside any run (no checkpoint, no metrics file): what
     * {@code kaizen bench train} times. The weights change as in training.
     *
     * @param prompts prompt token ids, {@code config.rolloutBatchSize()} of them
     * @param step the iteration number (seeds the sampling)
     * @return the time split
     */
    public IterationTimes timeIteration(List<int[]> prompts, long step) {
        int threads = TorchThreads.get();
        try {
            Iteration it = iterate(prompts, step, config.klCoef());
            return new IterationTimes(it.generationSeconds(), it.scoringSeconds(), it.updateSeconds(),
                    it.rollout().size(), it.rollout().meanLength());
        } finally {
            TorchThreads.set(threads);
        }
    }

    /** Seeds of iteration {@code step}'s rollouts: row {@code i} samples with this plus {@code i}. */
    private long rolloutSeed(long step) {
        return config.seed() * 1_000_003L + step * config.rolloutBatchSize();
    }

    private long evalSeed() {
        return config.seed() * 1_000_003L - 7_919L * 1_000_000L;
    }

    /** Tokenises prompts through the chat template, keeping the last {@code max_prompt_length} tokens. */
    private List<int[]> tokenize(List<List<ChatMessage>> prompts) {
        int context = network.config().maxPositionEmbeddings();
        int keep = Math.max(1, Math.min(config.maxPromptLength(), context - config.responseLength() - 1));
        List<int[]> out = new ArrayList<>(prompts.size());
        for (List<ChatMessage> p : prompts) {
            int[] ids = policy.tokenizer().encodeChat(p, true);
            out.add(ids.length <= keep ? ids : Arrays.copyOfRange(ids, ids.length - keep, ids.length));
        }
        return out;
    }

    /** The prompt order: a shuffle per epoch from the seed and the epoch, so a resumed run sees the same. */
    private static final class PromptCursor {
        private final int size;
        private final long seed;
        int epoch;
        int position;
        private List<Integer> order;

        PromptCursor(int size, long seed, int epoch, int position) {
            this.size = size;
            this.seed = seed;
            this.epoch = epoch;
            this.position = position;
        }

        int next() {
            if (position >= size) {
                epoch++;
                position = 0;
                order = null;
            }
            if (order == null) {
                order = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    order.add(i);
                }
                Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
            }
            return order.get(position++);
        }

        double progress() {
            return epoch + (double) position / size;
        }
    }

    // ------------------------------------------------------------------------------------ rollouts

    private List<GenerationResult> generate(List<int[]> prompts, long seed, boolean greedy) {
        GenerationOptions options = GenerationOptions.builder().maxNewTokens(config.responseLength()).doSample(!greedy)
                .temperature(config.temperature()).topK(0).topP(1.0).repetitionPenalty(1.0).seed(seed)
                .stopTokenIds(eosIds).build();
        List<GenerationResult> out = new ArrayList<>(prompts.size());
        for (int from = 0; from < prompts.size(); from += config.batchSize()) {
            List<int[]> chunk = prompts.subList(from, Math.min(prompts.size(), from + config.batchSize()));
            // each chunk continues the seed sequence, so results do not depend on the chunking
            GenerationOptions chunkOptions = options.toBuilder().seed(seed + from).build();
            out.addAll(policy.generator().generateBatch(chunk, chunkOptions, TokenListener.NONE));
        }
        return out;
    }

    /** Scores responses and recomputes log-probabilities, reference log-probabilities and values. */
    private Rollout score(List<GenerationResult> generated, double klCoef) {
        List<Reward.Sample> samples = new ArrayList<>(generated.size());
        for (GenerationResult g : generated) {
            samples.add(new Reward.Sample(g.promptIds(), g.tokenIds(),
                    policy.tokenizer().decode(g.promptIds(), 0, g.promptIds().length, true), g.text()));
        }
        float[] raw = reward.score(samples);
        RewardStats stats = config.useScoreScaling() ? reward.stats() : RewardStats.IDENTITY;
        List<Episode> episodes = new ArrayList<>(generated.size());
        for (int from = 0; from < generated.size(); from += config.batchSize()) {
            List<GenerationResult> chunk = generated.subList(from, Math.min(generated.size(), from + config.batchSize()));
            List<int[]> rows = new ArrayList<>();
            for (GenerationResult g : chunk) {
                rows.add(g.allIds());
            }
            try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                PaddedBatch batch = PaddedBatch.of(rows, m);
                float[] logp = logprobs(network, batch);
                float[] refLogp;
                if (lora != null) {
                    lora.setEnabled(false);
                    try {
                        refLogp = logprobs(network, batch);
                    } finally {
                        lora.setEnabled(true);
                    }
                } else {
                    refLogp = logprobs(reference, batch);
                }
                float[] values = value.values(batch.ids(), batch.mask()).toFloatArray();
                for (int r = 0; r < chunk.size(); r++) {
                    GenerationResult g = chunk.get(r);
                    int p = g.promptIds().length;
                    int n = g.tokenIds().length;
                    int base = r * batch.width();
                    float[] lp = Arrays.copyOfRange(logp, base + p, base + p + n);
                    float[] ref = Arrays.copyOfRange(refLogp, base + p, base + p + n);
                    // the value of the state before token i is read where token i is predicted
                    float[] v = Arrays.copyOfRange(values, base + p - 1, base + p - 1 + n);
                    boolean eos = g.finishReason() == FinishReason.EOS;
                    double score = stats.normalize(raw[from + r]);
                    if (config.scoreClip() > 0) {
                        score = Math.max(-config.scoreClip(), Math.min(config.scoreClip(), score));
                    }
                    if (!eos) {
                        score -= config.missingEosPenalty();
                    }
                    episodes.add(new Episode(g.promptIds(), g.tokenIds(), lp, ref, v, (float) score, raw[from + r],
                            eos));
                }
            }
        }
        return new Rollout(episodes, klCoef);
    }

    /** (B * T) log-probabilities of each input token under a model, without gradients. */
    private float[] logprobs(LlamaModel model, PaddedBatch batch) {
        ForwardOutput out = model.forward(batch.ids(), batch.mask(), false);
        return TokenLogprobs.ofInputs(out.logits(), batch.ids(), config.temperature()).toFloatArray();
    }

    // ------------------------------------------------------------------------------------ update

    private record UpdateStats(double policyLoss, double valueLoss, double clipFraction, double valueClipFraction,
            double approxKl, double ratio, double gradNorm, double explodedRatio) {

        boolean ratioExploded() {
            return explodedRatio > 0;
        }

        Map<String, Number> metrics() {
            Map<String, Number> m = new LinkedHashMap<>();
            m.put("policy/approxkl", approxKl);
            m.put("policy/clipfrac", clipFraction);
            m.put("loss/policy", policyLoss);
            m.put("loss/value", valueLoss);
            m.put("val/clipfrac", valueClipFraction);
            m.put("val/ratio", ratio);
            m.put("grad_norm", gradNorm);
            return m;
        }
    }

    /** {@code num_ppo_epochs} passes over shuffled minibatches, one optimizer step per minibatch. */
    private UpdateStats update(Rollout rollout, long step) {
        double policyLoss = 0;
        double valueLoss = 0;
        double clip = 0;
        double valueClip = 0;
        double approxKl = 0;
        double ratio = 0;
        double gradNorm = 0;
        int updates = 0;
        int micros = 0;
        for (int epoch = 0; epoch < config.numPpoEpochs(); epoch++) {
            List<Integer> order = new ArrayList<>(rollout.size());
            for (int i = 0; i < rollout.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random((config.seed() * 1_000_003L + step) * 31 + epoch));
            for (int mb = 0; mb < config.numMiniBatches(); mb++) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    for (int micro = 0; micro < config.gradientAccumulation(); micro++) {
                        int from = mb * config.miniBatchSize() + micro * config.batchSize();
                        List<Episode> episodes = new ArrayList<>();
                        for (int i = from; i < from + config.batchSize(); i++) {
                            episodes.add(rollout.episodes().get(order.get(i)));
                        }
                        try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
                            scope.suppressNotUsedWarning();
                            MicroBatch batch = MicroBatch.of(episodes, m);
                            ForwardOutput out = network.forward(batch.padded().ids(), batch.padded().mask(), false);
                            NDArray logp = TokenLogprobs.ofInputs(out.logits(), batch.padded().ids(),
                                    config.temperature());
                            NDArray values = shiftRight(value.values(batch.padded().ids(), batch.padded().mask()));
                            ClippedLosses.Policy pg = ClippedLosses.policy(logp, batch.oldLogprobs(),
                                    batch.advantages(), batch.mask(), config.cliprange());
                            if (config.ratioLimit() > 0 && !(pg.meanRatio() <= config.ratioLimit())) {
                                return new UpdateStats(0, 0, 0, 0, 0, 0, 0, pg.meanRatio());
                            }
                            ClippedLosses.Value vf = ClippedLosses.value(values, batch.oldValues(), batch.returns(),
                                    batch.mask(), config.cliprangeValue());
                            NDArray loss = pg.loss().add(vf.loss().mul(NativeArrays.scalar(m, config.vfCoef(),
                                    DataType.FLOAT32)));
                            loss = loss.mul(NativeArrays.scalar(m, 1.0 / config.gradientAccumulation(),
                                    DataType.FLOAT32));
                            collector.backward(loss);
                            policyLoss += pg.loss().getFloat();
                            valueLoss += vf.loss().getFloat();
                            clip += pg.clipFraction();
                            valueClip += vf.clipFraction();
                            approxKl += pg.approxKl();
                            ratio += pg.meanRatio();
                            micros++;
                        }
                    }
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    gradNorm += Gradients.clip(optimizer.gradients(), config.maxGradNorm());
                }
                optimizer.step(config.learningRate());
                optimizer.zeroGradients();
                network.weightsChanged();
                value.weightsChanged();
                updates++;
            }
        }
        return new UpdateStats(policyLoss / micros, valueLoss / micros, clip / micros, valueClip / micros,
                approxKl / micros, ratio / micros, gradNorm / updates, 0);
    }

    /** (B, T) values at every position to values of each token's preceding state: shifted right by one. */
    private static NDArray shiftRight(NDArray values) {
        long b = values.getShape().get(0);
        long t = values.getShape().get(1);
        NDArray zero = values.getManager().zeros(new Shape(b, 1), values.getDataType());
        return zero.concat(values.get(new NDIndex(":, :{}", t - 1)), 1);
    }

    /** A micro-batch of episodes as padded arrays, per-token quantities at the response positions. */
    private record MicroBatch(PaddedBatch padded, NDArray mask, NDArray oldLogprobs, NDArray oldValues,
            NDArray advantages, NDArray returns) {

        static MicroBatch of(List<Episode> episodes, NDManager m) {
            List<int[]> rows = new ArrayList<>();
            for (Episode e : episodes) {
                rows.add(e.allIds());
            }
            PaddedBatch padded = PaddedBatch.of(rows, m);
            int w = padded.width();
            int size = episodes.size() * w;
            float[] mask = new float[size];
            float[] logp = new float[size];
            float[] values = new float[size];
            float[] adv = new float[size];
            float[] ret = new float[size];
            for (int r = 0; r < episodes.size(); r++) {
                Episode e = episodes.get(r);
                int at = r * w + e.promptIds().length;
                for (int i = 0; i < e.responseIds().length; i++) {
                    mask[at + i] = 1;
                    logp[at + i] = e.logprobs()[i];
                    values[at + i] = e.values()[i];
                    adv[at + i] = e.advantages()[i];
                    ret[at + i] = e.returns()[i];
                }
            }
            int b = episodes.size();
            return new MicroBatch(padded, PaddedBatch.floats(m, mask, b, w), PaddedBatch.floats(m, logp, b, w),
                    PaddedBatch.floats(m, values, b, w), PaddedBatch.floats(m, adv, b, w),
                    PaddedBatch.floats(m, ret, b, w));
        }
    }

    // ------------------------------------------------------------------------------------ evaluation

    private PpoState evaluateAndTrack(List<int[]> eval, PpoState state, double klCoef, MetricsLog metrics,
            SftListener listener, boolean mayUpdateBest) {
        long started = System.nanoTime();
        Rollout rollout = score(generate(eval, evalSeed(), config.evalGreedy()), klCoef);
        double winRate = baseline == null ? Double.NaN : baseline.winRate(rollout.scores());
        Map<String, Number> line = new LinkedHashMap<>();
        line.put("eval/scores", rollout.meanScore());
        if (baseline != null) {
            line.put("eval/win_rate", winRate);
        }
        line.put("eval/raw_scores", rollout.meanRawScore());
        line.put("eval/kl", rollout.meanKl());
        line.put("eval/kl_k3", rollout.meanKlNonNegative());
        line.put("eval/rlhf_reward", rollout.meanScore() - klCoef * rollout.meanKl());
        line.put("eval/response_length", rollout.meanLength());
        line.put("eval/num_eos_tokens", rollout.eosCount());
        line.put("eval_runtime", (System.nanoTime() - started) / 1e9);
        line.put("step", state.globalStep());
        log(metrics, listener, line);
        boolean withinLimit = config.klLimit() == 0 || rollout.meanKlNonNegative() <= config.klLimit();
        double metric = config.metricForBestModel().equals(PpoConfig.METRIC_WIN_RATE) ? winRate : rollout.meanScore();
        if (mayUpdateBest && withinLimit && (!state.hasBest() || metric > state.bestScore())) {
            saveBest();
            return new PpoState(state.globalStep(), state.epoch(), state.promptInEpoch(), state.seed(),
                    state.episodes(), state.klCoef(), metric, state.globalStep());
        }
        return state;
    }

    private static void log(MetricsLog metrics, SftListener listener, Map<String, Number> line) {
        metrics.append(line);
        LOG.info("{}", line);
        listener.onLog(Collections.unmodifiableMap(line));
    }

    // ------------------------------------------------------------------------------------ files

    private Path saveCheckpoint(PpoState state) {
        return Checkpoints.write(config.outputDir(), state.globalStep(), dir -> {
            savePolicyWeights(dir);
            value.save(dir.resolve(VALUE_DIR));
            optimizer.save(dir.resolve(OPTIMIZER_FILE));
            state.write(dir);
        }, config.saveTotalLimit());
    }

    /** The trainable policy weights in their public layout: the whole model (HF) or the adapters (PEFT). */
    private void savePolicyWeights(Path dir) {
        TrainedModelOutput.saveTrainable(policy, lora, dir);
    }

    private void restorePolicy(Path dir) {
        WeightRestore.trainable(network, lora, dir);
    }

    private PpoState restore(Path checkpoint) {
        PpoState state = PpoState.read(checkpoint);
        if (state.seed() != config.seed()) {
            throw new IllegalStateException("Checkpoint " + checkpoint + " was written with seed " + state.seed()
                    + ", the configuration says " + config.seed());
        }
        restorePolicy(checkpoint);
        value.restore(checkpoint.resolve(VALUE_DIR));
        optimizer.load(checkpoint.resolve(OPTIMIZER_FILE));
        return state;
    }

    /**
     * Puts back the policy of the newest checkpoint at or before a step (a guard rail tripped).
     *
     * @return the step restored
     */
    private long restoreLastGood(long atMost) {
        List<Path> all = Checkpoints.list(config.outputDir());
        for (int i = all.size() - 1; i >= 0; i--) {
            PpoState s = PpoState.read(all.get(i));
            if (s.globalStep() <= atMost) {
                LOG.warn("Restoring the policy of {}", all.get(i));
                restorePolicy(all.get(i));
                return s.globalStep();
            }
        }
        throw new IllegalStateException("No checkpoint at or before step " + atMost + " in " + config.outputDir()
                + " to fall back to");
    }

    /** Writes the policy weights of a new best evaluation to {@code best/}, atomically. */
    private void saveBest() {
        Path target = config.outputDir().resolve(BEST_DIR);
        Path temp = config.outputDir().resolve(".tmp-" + BEST_DIR);
        try {
            deleteTree(temp);
            savePolicyWeights(temp);
            deleteTree(target);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private void writeReport(String stopReason, PpoState state, long outputStep) {
        JsonObject report = new JsonObject();
        report.addProperty("stop_reason", stopReason);
        report.addProperty("global_step", state.globalStep());
        report.addProperty("output_step", outputStep);
        report.addProperty("best_step", state.bestStep());
        report.addProperty("metric_for_best_model", config.metricForBestModel());
        if (state.hasBest()) {
            report.addProperty("best_metric", state.bestScore());
        }
        if (baseline != null) {
            report.addProperty("baseline_eval_scores", baseline.meanScore());
        }
        report.addProperty("kl_coef", state.klCoef());
        // every evaluation of the run, also those a resumed run's earlier process made (metrics.jsonl keeps them)
        JsonArray array = new JsonArray();
        try {
            for (String line : Files.readAllLines(config.outputDir().resolve(MetricsLog.FILE))) {
                if (!line.isBlank()) {
                    JsonObject o = com.google.gson.JsonParser.parseString(line).getAsJsonObject();
                    if (o.has("eval/scores")) {
                        array.add(o);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        report.add("evaluations", array);
        Json.write(config.outputDir().resolve(REPORT_FILE), report);
    }

    private void writeConfig() {
        try {
            Files.createDirectories(config.outputDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Json.write(config.outputDir().resolve(CONFIG_FILE), config.toJson());
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Frees the optimizer state, the reference and the critic; removes LoRA adapters from the policy. */
    @Override
    public void close() {
        optimizer.close();
        manager.close();
        value.close();
        if (reference != null) {
            reference.close();
        }
        if (lora != null) {
            lora.close();
        } else {
            network.setTrainable(false);
        }
    }
}
