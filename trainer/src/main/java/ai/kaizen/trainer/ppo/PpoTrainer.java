package ai.kaizen.trainer.ppo;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.online.GuardRails;
import ai.kaizen.trainer.online.OnlineTrainer;
import ai.kaizen.trainer.online.OnlineTrainingLoop;
import ai.kaizen.trainer.online.PaddedBatch;
import ai.kaizen.trainer.online.Reward;
import ai.kaizen.trainer.online.RolloutSampler;
import ai.kaizen.trainer.online.RolloutSettings;
import ai.kaizen.trainer.online.RolloutStats;
import ai.kaizen.trainer.online.RunDirectory;
import ai.kaizen.trainer.online.ScoredResponse;
import ai.kaizen.trainer.online.TrainingEvaluation;
import ai.kaizen.trainer.training.TrainingArguments;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>The course of an iteration is {@link OnlineTrainer}'s and the run around the iterations
 * {@link OnlineTrainingLoop}'s, both shared with RLOO and GRPO: every
 * checkpoint (weights or adapters, critic, optimizer, KL controller, data position) resumes exactly;
 * held-out prompts are evaluated every {@code eval_steps} and the best evaluation becomes the output
 * ({@link TrainingEvaluation}); a run whose KL passes {@code kl_limit} or whose probability ratio explodes
 * stops and keeps its last good checkpoint, saying why in {@code eval_report.json} ({@link GuardRails}); the
 * files are {@link RunDirectory}'s, with the critic in {@code checkpoint-STEP/value/}.
 */
public final class PpoTrainer extends OnlineTrainer<Rollout, PpoUpdate.Stats> {

    private static final Logger LOG = LoggerFactory.getLogger(PpoTrainer.class);

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "ppo_config.json";

    /** The evaluation report written into the output directory. */
    public static final String REPORT_FILE = RunDirectory.REPORT_FILE;

    /** Critic inside a checkpoint. */
    static final String VALUE_DIR = "value";

    private final PpoConfig config;
    private final ValueModel value;
    private final PpoUpdate update;
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
        LlamaModel reference = referenceFor(config.args(), policy);
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
        super(config.args(), policy, reference, reward, new RolloutSettings(config.responseLength(),
                config.maxPromptLength(), config.temperature(), config.args().batchSize(), config.useScoreScaling(),
                config.scoreClip(), config.missingEosPenalty()), new GuardRails(config.klLimit(), config.ratioLimit()),
                value.parameters(), new RunDirectory.CheckpointPart() {
                    @Override
                    public void save(Path checkpoint) {
                        value.save(checkpoint.resolve(VALUE_DIR));
                    }

                    @Override
                    public void restore(Path checkpoint) {
                        value.restore(checkpoint.resolve(VALUE_DIR));
                    }
                });
        this.config = config;
        this.value = value;
        update = new PpoUpdate(config, network(), value, optimizer(), manager(), guardRails());
        kl = config.klController();
        int context = network().config().maxPositionEmbeddings();
        if (config.maxPromptLength() + config.responseLength() > context) {
            LOG.warn("max_prompt_length {} + response_length {} exceed the context of {} tokens; long prompts are "
                    + "cut further", config.maxPromptLength(), config.responseLength(), context);
        }
    }

    /** @return the configuration */
    public PpoConfig config() {
        return config;
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
        TrainingArguments args = config.args();
        OnlineTrainingLoop.Settings settings = new OnlineTrainingLoop.Settings("ppo", CONFIG_FILE, config.toJson(),
                args.seed(), config.klCoef(), config.rolloutBatchSize(), config::totalSteps, args.maxLength(),
                args.loggingSteps(), args.evalSteps(), args.saveSteps(), args.resume(), args.mergesLora(),
                // PPO has always answered evaluation prompts in training batches (per_device_train_batch_size)
                new TrainingEvaluation.Settings(config.evalGreedy(), config.metricForBestModel(), config.klLimit(),
                        args.seed(), args.batchSize()));
        return PpoResult.of(run(settings, trainPrompts, evalPrompts, listener));
    }

    @Override
    public double klCoef() {
        return kl.value();
    }

    @Override
    public void resumeKlCoef(double klCoef) {
        kl = config.klController().withValue(klCoef);
    }

    @Override
    protected int rowsPerStep() {
        return config.rolloutBatchSize();
    }

    /** The critic's values, per-token rewards with the KL penalty, GAE advantages and returns. */
    @Override
    protected Rollout prepare(List<ScoredResponse> responses) {
        Rollout rollout = new Rollout(withCriticValues(responses), kl.value());
        rollout.computeAdvantages(config);
        return rollout;
    }

    @Override
    protected PpoUpdate.Stats update(Rollout rollout, long step) {
        return update.run(rollout, step);
    }

    /** Moves the KL coefficient, then reports. */
    @Override
    protected Map<String, Number> finish(Rollout rollout, PpoUpdate.Stats updated) {
        RolloutStats stats = rollout.stats();
        kl = kl.update(stats.meanKl(), rollout.size());
        Map<String, Number> line = stats.metrics(rollout.klCoef());
        line.putAll(updated.metrics());
        line.put("objective/kl_coef", kl.value());
        line.put("lr", updated.learningRate());
        return line;
    }

    /** Each response with the critic's value of the state before each of its tokens. */
    private List<Episode> withCriticValues(List<ScoredResponse> responses) {
        int batchSize = config.args().batchSize();
        List<Episode> episodes = new ArrayList<>(responses.size());
        for (int from = 0; from < responses.size(); from += batchSize) {
            List<ScoredResponse> chunk = responses.subList(from, Math.min(responses.size(), from + batchSize));
            List<int[]> rows = new ArrayList<>();
            for (ScoredResponse r : chunk) {
                rows.add(r.allIds());
            }
            try (NDManager m = manager().newSubManager(); NDScope scope = new NDScope()) {
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

    /** Frees the optimizer state, the reference and the critic; removes LoRA adapters from the policy. */
    @Override
    public void close() {
        super.close();
        value.close();
    }
}
