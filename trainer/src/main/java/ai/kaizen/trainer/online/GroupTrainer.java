package ai.kaizen.trainer.online;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.TorchThreads;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.optim.WarmupCosineSchedule;
import ai.kaizen.trainer.training.TrainingArguments;
import ai.kaizen.trainer.training.TrainingListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online RL without a critic, from groups of answers (TRL's {@code RLOOTrainer} and {@code GRPOTrainer}): each
 * step samples {@code num_generations} answers to each of its prompts, scores them with the {@link Reward}, turns
 * the scores into one advantage per answer by comparing it with its group ({@link GroupObjective}: RLOO's
 * leave-one-out baseline, GRPO's group normalisation), and takes {@code num_iterations} clipped-surrogate updates.
 * No value model is trained or kept: a third fewer models in memory than PPO, and no critic's forward and
 * backward passes. The frozen reference stays, for the KL term and the {@code kl_limit} guard rail.
 *
 * <p>Around the iterations, {@link OnlineTrainingLoop}'s run, shared with PPO: exact resume from checkpoints,
 * evaluation on held-out prompts keeping the best, guard rails, metrics under TRL's names.
 *
 * <p>Process-wide: DJL allows one gradient collector per JVM, so one trainer trains at a time.
 */
public final class GroupTrainer implements AutoCloseable, OnlineAlgorithm {

    private static final Logger LOG = LoggerFactory.getLogger(GroupTrainer.class);

    private final GroupConfig config;
    private final GroupObjective objective;
    private final LanguageModel policy;
    private final LlamaModel network;
    private final LlamaModel reference;
    private final Lora lora;
    private final List<Pair<String, Parameter>> policyParameters;
    private final AdamW optimizer;
    private final NDManager manager;
    private final RolloutSampler sampler;
    private final GuardRails guardRails;
    private final RunDirectory files;
    private int updateThreads = Runtime.getRuntime().availableProcessors();
    private final GroupUpdate update;
    /** The learning rate per optimizer step: {@link #train} spreads it over the run's steps. */
    private WarmupCosineSchedule schedule;

    /**
     * Prepares the policy (LoRA adapters on it, whose reference is then the base with the adapters off, or a
     * frozen full copy loaded from its directory as the reference) and one optimizer.
     *
     * @param config the run's configuration
     * @param objective the method's advantages and loss
     * @param policy the policy to train, float32 (its weights change in place)
     * @param reward the reward (owned by the caller)
     * @return the trainer
     */
    public static GroupTrainer create(GroupConfig config, GroupObjective objective, LanguageModel policy,
            Reward reward) {
        LlamaModel reference = config.args().usesLora() ? null
                : LlamaModel.load(policy.directory(), TrainingDevice.modelOptions());
        try {
            return new GroupTrainer(config, objective, policy, reference, reward);
        } catch (RuntimeException e) {
            if (reference != null) {
                reference.close();
            }
            throw e;
        }
    }

    /**
     * @param config the run's configuration
     * @param objective the method's advantages and loss
     * @param policy the policy to train
     * @param reference a frozen copy of the policy (null with LoRA), owned from now on
     * @param reward the reward (owned by the caller)
     */
    public GroupTrainer(GroupConfig config, GroupObjective objective, LanguageModel policy, LlamaModel reference,
            Reward reward) {
        TrainingArguments args = config.args();
        if (args.usesLora() != (reference == null)) {
            throw new IllegalArgumentException("give a reference model for full fine-tuning, none with LoRA");
        }
        this.config = config;
        this.objective = objective;
        this.policy = policy;
        this.network = policy.network();
        this.reference = reference;
        List<Pair<String, Parameter>> params = new ArrayList<>();
        if (args.usesLora()) {
            lora = Lora.attach(network, args.lora().toLoraConfig(), args.seed());
            lora.parameters().forEach(params::add);
        } else {
            lora = null;
            network.setTrainable(true);
            network.parameters().forEach(params::add);
        }
        policyParameters = params;
        for (Pair<String, Parameter> p : params) {
            p.getValue().getArray().setRequiresGradient(true);
        }
        optimizer = new AdamW(params, args.adam());
        manager = network.manager().newSubManager();
        sampler = new RolloutSampler(policy, reference, lora, reward, config.online().rollouts(args.batchSize()),
                manager);
        guardRails = config.online().guardRails();
        files = new RunDirectory(args.outputDir(), policy, lora, optimizer, args.saveTotalLimit(),
                RunDirectory.CheckpointPart.NONE);
        update = new GroupUpdate(config, network, optimizer, objective, guardRails, manager);
        schedule = new WarmupCosineSchedule(args.learningRate(), 0, Integer.MAX_VALUE); // about constant, for timing
        int context = network.config().maxPositionEmbeddings();
        if (config.online().maxCompletionLength() >= context) {
            LOG.warn("max_completion_length {} leaves no room for a prompt in the context of {} tokens",
                    config.online().maxCompletionLength(), context);
        }
    }

    /**
     * Sets PyTorch's intra-op threads during updates (default: every core). On a machine shared with other busy
     * processes one thread can be faster (see {@code TorchThreads}).
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
    public GroupConfig config() {
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

    /**
     * Trains, then saves the output directory. With {@code resume} and a checkpoint in the output directory,
     * continues from the newest one.
     *
     * @param trainPrompts prompts to sample training answers for
     * @param evalPrompts held-out prompts (may be empty: no evaluation, the last weights are the output)
     * @param listener progress callbacks
     * @return what happened
     */
    public RunResult train(List<List<ChatMessage>> trainPrompts, List<List<ChatMessage>> evalPrompts,
            TrainingListener listener) {
        TrainingArguments args = config.args();
        OnlineArguments online = config.online();
        long optimizerSteps = config.totalSteps(trainPrompts.size()) * online.numIterations();
        schedule = new WarmupCosineSchedule(args.learningRate(), args.warmupSteps(),
                (int) Math.min(Integer.MAX_VALUE, optimizerSteps));
        OnlineTrainingLoop.Settings settings = new OnlineTrainingLoop.Settings(config.method(),
                config.method() + "_config.json", config.toJson(), args.seed(), online.beta(),
                config.promptsPerStep(), config::totalSteps, args.maxLength(), args.loggingSteps(), args.evalSteps(),
                args.saveSteps(), args.resume(), args.usesLora() && args.lora().mergeIntoOutput(),
                new TrainingEvaluation.Settings(online.evalGreedy(), online.metricForBestModel(), online.klLimit(),
                        args.seed(), args.evalBatchSize()));
        return new OnlineTrainingLoop(settings, this, sampler, files).train(trainPrompts, evalPrompts, listener);
    }

    /** The fixed KL coefficient {@code beta} (logged as {@code objective/kl_coef}, as PPO's). */
    @Override
    public double klCoef() {
        return config.online().beta();
    }

    /** Nothing to restore: {@code beta} is fixed by the configuration. */
    @Override
    public void resumeKlCoef(double klCoef) {}

    /**
     * Sample {@code num_generations} answers per prompt, score, compute advantages, check the KL, update,
     * check the ratio.
     */
    @Override
    public Iteration iterate(List<int[]> prompts, long step) {
        int k = config.online().numGenerations();
        List<int[]> repeated = new ArrayList<>(prompts.size() * k);
        for (int[] p : prompts) {
            for (int i = 0; i < k; i++) {
                repeated.add(p); // a group: k consecutive rows, each sampled with its own seed
            }
        }
        // sampling and scoring are many small operations: one PyTorch thread (see TorchThreads)
        TorchThreads.set(1);
        long t0 = System.nanoTime();
        List<GenerationResult> generated = sampler.generate(repeated, rolloutSeed(step), false);
        long t1 = System.nanoTime();
        List<ScoredResponse> answers = sampler.score(generated);
        GroupObjective.Advantages advantages = objective.advantages(answers);
        RolloutStats stats = new RolloutStats(answers);
        long t2 = System.nanoTime();
        GuardRails.Trip trip = guardRails.checkKl(stats, step);
        if (trip != null) {
            return new Iteration(answers, Map.of(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, 0, trip);
        }
        TorchThreads.set(updateThreads);
        GroupUpdate.Stats updated;
        try {
            updated = update.run(answers, advantages.values(), step, schedule);
        } finally {
            TorchThreads.set(1);
        }
        long t3 = System.nanoTime();
        if (updated.ratioExploded()) {
            return new Iteration(answers, Map.of(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9,
                    guardRails.ratioTrip(updated.explodedRatio(), step));
        }
        Map<String, Number> line = stats.metrics(klCoef());
        line.putAll(advantages.metrics());
        line.putAll(updated.metrics());
        line.put("objective/kl_coef", klCoef());
        line.put("lr", updated.learningRate());
        return new Iteration(answers, line, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, null);
    }

    /**
     * Runs one iteration on given prompts, outside any run (no checkpoint, no metrics file): what
     * {@code kaizen bench train} times. The weights change as in training.
     *
     * @param prompts distinct prompts, {@code config.promptsPerStep()} of them
     * @param step the iteration number (seeds the sampling)
     * @return the time split
     */
    public IterationTimes timeIteration(List<int[]> prompts, long step) {
        return OnlineTrainingLoop.timeIteration(this, prompts, step);
    }

    /** Seeds of iteration {@code step}'s rollouts: row {@code i} samples with this plus {@code i}. */
    private long rolloutSeed(long step) {
        return config.args().seed() * 1_000_003L + step * config.completionsPerStep();
    }

    /** Frees the optimizer state and the reference; removes LoRA adapters from the policy. */
    @Override
    public void close() {
        optimizer.close();
        manager.close();
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
