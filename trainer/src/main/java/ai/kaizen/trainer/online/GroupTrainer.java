package ai.kaizen.trainer.online;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.optim.WarmupCosineSchedule;
import ai.kaizen.trainer.training.TrainingArguments;
import ai.kaizen.trainer.training.TrainingListener;
import java.util.ArrayList;
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
 * <p>Around the step, {@link OnlineTrainer}'s course and {@link OnlineTrainingLoop}'s run, shared with PPO: exact
 * resume from checkpoints, evaluation on held-out prompts keeping the best, guard rails, metrics under TRL's names.
 */
public final class GroupTrainer extends OnlineTrainer<GroupTrainer.Group, GroupUpdate.Stats> {

    private static final Logger LOG = LoggerFactory.getLogger(GroupTrainer.class);

    /** One step's answers with their advantages. */
    record Group(List<ScoredResponse> answers, GroupObjective.Advantages advantages, RolloutStats stats)
            implements Prepared {}

    private final GroupConfig config;
    private final GroupObjective objective;
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
        LlamaModel reference = referenceFor(config.args(), policy);
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
        super(config.args(), policy, reference, reward, config.online().rollouts(config.args().batchSize()),
                config.online().guardRails(), List.of(), RunDirectory.CheckpointPart.NONE);
        this.config = config;
        this.objective = objective;
        update = new GroupUpdate(config, network(), optimizer(), objective, guardRails(), manager());
        schedule = new WarmupCosineSchedule(config.args().learningRate(), 0, Integer.MAX_VALUE); // about constant
        int context = network().config().maxPositionEmbeddings();
        if (config.online().maxCompletionLength() >= context) {
            LOG.warn("max_completion_length {} leaves no room for a prompt in the context of {} tokens",
                    config.online().maxCompletionLength(), context);
        }
    }

    /** @return the configuration */
    public GroupConfig config() {
        return config;
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
                args.saveSteps(), args.resume(), args.mergesLora(),
                new TrainingEvaluation.Settings(online.evalGreedy(), online.metricForBestModel(), online.klLimit(),
                        args.seed(), args.evalBatchSize()));
        return run(settings, trainPrompts, evalPrompts, listener);
    }

    /** The fixed KL coefficient {@code beta} (logged as {@code objective/kl_coef}, as PPO's). */
    @Override
    public double klCoef() {
        return config.online().beta();
    }

    /** Nothing to restore: {@code beta} is fixed by the configuration. */
    @Override
    public void resumeKlCoef(double klCoef) {}

    /** A group: {@code num_generations} consecutive rows of each prompt, each sampled with its own seed. */
    @Override
    protected List<int[]> rolloutRows(List<int[]> prompts) {
        int k = config.online().numGenerations();
        List<int[]> repeated = new ArrayList<>(prompts.size() * k);
        for (int[] p : prompts) {
            for (int i = 0; i < k; i++) {
                repeated.add(p);
            }
        }
        return repeated;
    }

    @Override
    protected int rowsPerStep() {
        return config.completionsPerStep();
    }

    @Override
    protected Group prepare(List<ScoredResponse> answers) {
        return new Group(answers, objective.advantages(answers), new RolloutStats(answers));
    }

    @Override
    protected GroupUpdate.Stats update(Group group, long step) {
        return update.run(group.answers(), group.advantages().values(), step, schedule);
    }

    @Override
    protected Map<String, Number> finish(Group group, GroupUpdate.Stats updated) {
        Map<String, Number> line = group.stats().metrics(klCoef());
        line.putAll(group.advantages().metrics());
        line.putAll(updated.metrics());
        line.put("objective/kl_coef", klCoef());
        line.put("lr", updated.learningRate());
        return line;
    }
}
