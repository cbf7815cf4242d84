package ai.kaizen.trainer.ppo;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.TorchThreads;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.online.GuardRails;
import ai.kaizen.trainer.online.Iteration;
import ai.kaizen.trainer.online.IterationTimes;
import ai.kaizen.trainer.online.OnlineAlgorithm;
import ai.kaizen.trainer.online.OnlineTrainingLoop;
import ai.kaizen.trainer.online.PaddedBatch;
import ai.kaizen.trainer.online.Reward;
import ai.kaizen.trainer.online.RolloutSampler;
import ai.kaizen.trainer.online.RolloutSettings;
import ai.kaizen.trainer.online.RolloutStats;
import ai.kaizen.trainer.online.RunDirectory;
import ai.kaizen.trainer.online.ScoredResponse;
import ai.kaizen.trainer.online.TrainingEvaluation;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proximal policy optimisation of a language model against a {@link Reward} (TRL's
 * {@code PPOTrainer}, Ouyang et al. 2022 / Ziegler et al. 2019), one iteration at a time:
 *
 * <ol>
 *   <li>sample responses from the policy for a batch of prompts ({@code time/generation}, {@link RolloutSampler});
 *   <li>score them, and recompute by forward passes the policy's and the frozen reference's
 *       log-probabilities and the critic's values ({@code time/scoring}); per-token rewards are
 *       {@code -beta (logp - ref_logp)}, plus the (normalised, clipped, EOS-penalised) score on the
 *       last token; GAE gives advantages (whitened) and returns ({@link Rollout});
 *   <li>{@code num_ppo_epochs} passes over shuffled minibatches with the clipped policy and value
 *       losses ({@code time/update}, {@link PpoUpdate}); then the adaptive KL controller moves {@code beta}.
 * </ol>
 *
 * <p>The run around the iterations is {@link OnlineTrainingLoop}'s, shared with RLOO and GRPO: every
 * checkpoint (weights or adapters, critic, optimizer, KL controller, data position) resumes exactly;
 * held-out prompts are evaluated every {@code eval_steps} and the best evaluation becomes the output
 * ({@link TrainingEvaluation}); a run whose KL passes {@code kl_limit} or whose probability ratio explodes
 * stops and keeps its last good checkpoint, saying why in {@code eval_report.json} ({@link GuardRails}); the
 * files are {@link RunDirectory}'s, with the critic in {@code checkpoint-STEP/value/}.
 *
 * <p>Process-wide: DJL allows one gradient collector per JVM, so one trainer trains at a time.
 */
public final class PpoTrainer implements AutoCloseable, OnlineAlgorithm {

    private static final Logger LOG = LoggerFactory.getLogger(PpoTrainer.class);

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "ppo_config.json";

    /** The evaluation report written into the output directory. */
    public static final String REPORT_FILE = RunDirectory.REPORT_FILE;

    /** Critic inside a checkpoint. */
    static final String VALUE_DIR = "value";

    private final PpoConfig config;
    private final LanguageModel policy;
    private final LlamaModel network;
    private final LlamaModel reference;
    private final Lora lora;
    private final ValueModel value;
    private final List<Pair<String, Parameter>> policyParameters;
    private final AdamW optimizer;
    private final NDManager manager;
    private final RolloutSampler sampler;
    private final GuardRails guardRails;
    private final PpoUpdate update;
    private final RunDirectory files;
    private int updateThreads = Runtime.getRuntime().availableProcessors();
    private KlController kl;

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
        sampler = new RolloutSampler(policy, reference, lora, reward, new RolloutSettings(config.responseLength(),
                config.maxPromptLength(), config.temperature(), config.batchSize(), config.useScoreScaling(),
                config.scoreClip(), config.missingEosPenalty()), manager);
        guardRails = new GuardRails(config.klLimit(), config.ratioLimit());
        update = new PpoUpdate(config, network, value, optimizer, manager, guardRails);
        files = new RunDirectory(config.outputDir(), policy, lora, optimizer, config.saveTotalLimit(),
                new RunDirectory.CheckpointPart() {
                    @Override
                    public void save(Path checkpoint) {
                        value.save(checkpoint.resolve(VALUE_DIR));
                    }

                    @Override
                    public void restore(Path checkpoint) {
                        value.restore(checkpoint.resolve(VALUE_DIR));
                    }
                });
        kl = config.klController();
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
            TrainingListener listener) {
        OnlineTrainingLoop.Settings settings = new OnlineTrainingLoop.Settings("ppo", CONFIG_FILE, config.toJson(),
                config.seed(), config.klCoef(), config.rolloutBatchSize(), config::totalSteps, 0,
                config.loggingSteps(), config.evalSteps(), config.saveSteps(), config.resume(),
                config.usesLora() && config.lora().mergeIntoOutput(),
                // PPO has always answered evaluation prompts in training batches (per_device_train_batch_size)
                new TrainingEvaluation.Settings(config.evalGreedy(), config.metricForBestModel(), config.klLimit(),
                        config.seed(), config.batchSize()));
        return PpoResult.of(new OnlineTrainingLoop(settings, this, sampler, files).train(trainPrompts, evalPrompts,
                listener));
    }

    @Override
    public double klCoef() {
        return kl.value();
    }

    @Override
    public void resumeKlCoef(double klCoef) {
        kl = config.klController().withValue(klCoef);
    }

    /** Sample, score, check the KL, update, check the ratio, move the KL coefficient. */
    @Override
    public Iteration iterate(List<int[]> prompts, long step) {
        // sampling and scoring are many small operations: one PyTorch thread (no OpenMP barrier
        // per operation, see TorchThreads); the update's large products use every core
        TorchThreads.set(1);
        long t0 = System.nanoTime();
        List<GenerationResult> generated = sampler.generate(prompts, rolloutSeed(step), false);
        long t1 = System.nanoTime();
        List<ScoredResponse> responses = sampler.score(generated);
        Rollout rollout = new Rollout(withCriticValues(responses), kl.value());
        rollout.computeAdvantages(config);
        RolloutStats stats = rollout.stats();
        long t2 = System.nanoTime();
        GuardRails.Trip trip = guardRails.checkKl(stats, step);
        if (trip != null) {
            return new Iteration(responses, Map.of(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, 0, trip);
        }
        TorchThreads.set(updateThreads);
        PpoUpdate.Stats updated;
        try {
            updated = update.run(rollout, step);
        } finally {
            TorchThreads.set(1);
        }
        long t3 = System.nanoTime();
        if (updated.ratioExploded()) {
            return new Iteration(responses, Map.of(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9,
                    guardRails.ratioTrip(updated.explodedRatio(), step));
        }
        kl = kl.update(stats.meanKl(), rollout.size());
        Map<String, Number> line = stats.metrics(rollout.klCoef());
        line.putAll(updated.metrics());
        line.put("objective/kl_coef", kl.value());
        line.put("lr", config.learningRate());
        return new Iteration(responses, line, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, null);
    }

    /** Each response with the critic's value of the state before each of its tokens. */
    private List<Episode> withCriticValues(List<ScoredResponse> responses) {
        List<Episode> episodes = new ArrayList<>(responses.size());
        for (int from = 0; from < responses.size(); from += config.batchSize()) {
            List<ScoredResponse> chunk = responses.subList(from, Math.min(responses.size(), from + config.batchSize()));
            List<int[]> rows = new ArrayList<>();
            for (ScoredResponse r : chunk) {
                rows.add(r.allIds());
            }
            try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                PaddedBatch batch = PaddedBatch.of(rows, m);
                float[] values = value.values(batch.ids(), batch.mask()).toFloatArray();
                for (int r = 0; r < chunk.size(); r++) {
                    ScoredResponse response = chunk.get(r);
                    int p = response.promptIds().length;
                    int base = r * batch.width();
                    // the value of the state before token i is read where token i is predicted
                    episodes.add(new Episode(response, Arrays.copyOfRange(values, base + p - 1,
                            base + p - 1 + response.responseIds().length)));
                }
            }
        }
        return episodes;
    }

    /**
     * Runs one iteration on given prompts, outside any run (no checkpoint, no metrics file): what
     * {@code kaizen bench train} times. The weights change as in training.
     *
     * @param prompts prompt token ids, {@code config.rolloutBatchSize()} of them
     * @param step the iteration number (seeds the sampling)
     * @return the time split
     */
    public IterationTimes timeIteration(List<int[]> prompts, long step) {
        return OnlineTrainingLoop.timeIteration(this, prompts, step);
    }

    /** Seeds of iteration {@code step}'s rollouts: row {@code i} samples with this plus {@code i}. */
    private long rolloutSeed(long step) {
        return config.seed() * 1_000_003L + step * config.rolloutBatchSize();
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
