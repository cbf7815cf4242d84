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
import ai.kaizen.trainer.training.TrainableWeights;
import ai.kaizen.trainer.training.TrainingArguments;
import ai.kaizen.trainer.training.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What PPO, RLOO and GRPO share around their own step: the policy's trainable weights (LoRA adapters, whose
 * reference is then the base with the adapters off, or every weight with a frozen full copy as the reference), one
 * optimizer, the {@link RolloutSampler}, the {@link GuardRails} and the {@link RunDirectory}; and each iteration's
 * course: sample ({@code time/generation}), score and compute the method's advantages ({@code time/scoring}), check
 * the KL, update ({@code time/update}), check the ratio. A method supplies its rollout preparation, its update and
 * its metrics line.
 *
 * <p>Process-wide: DJL allows one gradient collector per JVM, so one trainer trains at a time.
 *
 * @param <R> the method's prepared rollout (scores turned into advantages)
 * @param <U> the method's update statistics
 */
public abstract class OnlineTrainer<R extends OnlineTrainer.Prepared, U extends OnlineTrainer.Updated>
        implements AutoCloseable, OnlineAlgorithm {

    /** A rollout batch with its advantages. */
    public interface Prepared {

        /** @return what the guard rail checks and the metrics report */
        RolloutStats stats();
    }

    /** What an update did. */
    public interface Updated {

        /** @return the ratio that stopped the update (0 when it ran to its end) */
        double explodedRatio();
    }

    private final TrainingArguments args;
    private final LanguageModel policy;
    private final LlamaModel reference;
    private final TrainableWeights weights;
    private final AdamW optimizer;
    private final NDManager manager;
    private final RolloutSampler sampler;
    private final GuardRails guardRails;
    private final RunDirectory files;
    private int updateThreads = Runtime.getRuntime().availableProcessors();
    private EvaluationJudge judge;

    /**
     * @param args the shared training options
     * @param policy the policy to train, float32 (its weights change in place)
     * @param reference a frozen copy of the policy (null with LoRA), owned from now on
     * @param reward the reward (owned by the caller)
     * @param rollouts how rollouts are sampled and scored
     * @param guardRails the KL and ratio limits
     * @param otherParameters weights the optimizer updates besides the policy's (PPO's critic)
     * @param checkpointPart the method's own checkpoint files
     */
    protected OnlineTrainer(TrainingArguments args, LanguageModel policy, LlamaModel reference, Reward reward,
            RolloutSettings rollouts, GuardRails guardRails, List<Pair<String, Parameter>> otherParameters,
            RunDirectory.CheckpointPart checkpointPart) {
        if (args.usesLora() != (reference == null)) {
            throw new IllegalArgumentException("give a reference model for full fine-tuning, none with LoRA");
        }
        this.args = args;
        this.policy = policy;
        this.reference = reference;
        this.weights = new TrainableWeights(policy, args);
        List<Pair<String, Parameter>> all = new ArrayList<>(weights.parameters());
        all.addAll(otherParameters);
        for (Pair<String, Parameter> p : otherParameters) {
            p.getValue().getArray().setRequiresGradient(true);
        }
        this.optimizer = new AdamW(all, args.adam());
        this.manager = policy.network().manager().newSubManager();
        this.sampler = new RolloutSampler(policy, reference, weights.lora(), reward, rollouts, manager);
        this.guardRails = guardRails;
        this.files = new RunDirectory(args.outputDir(), policy, weights.lora(), optimizer, args.saveTotalLimit(),
                checkpointPart);
    }

    /**
     * @param args the shared training options
     * @param policy the policy to train
     * @return the frozen reference a full fine-tuning run needs (a copy loaded from the policy's directory), or null
     *     with LoRA
     */
    protected static LlamaModel referenceFor(TrainingArguments args, LanguageModel policy) {
        return args.usesLora() ? null : LlamaModel.load(policy.directory(), TrainingDevice.modelOptions());
    }

    /**
     * Sets PyTorch's intra-op threads during updates (default: every core, as SFT trains). On a machine shared with
     * other busy processes one thread can be faster: with more, every operation waits at an OpenMP barrier for a
     * thread that may not be running (see {@code TorchThreads}).
     *
     * @param threads threads, at least 1
     */
    public void setUpdateThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1");
        }
        updateThreads = threads;
    }

    /**
     * Has every evaluation also judged by {@code judge}, which the run does not optimise: its mean is logged as
     * {@value TrainingEvaluation#METRIC_JUDGE} and chooses the best checkpoint when {@code metric_for_best_model}
     * names it.
     *
     * @param judge the judge, or null for none
     */
    public void judgeEvaluationsBy(EvaluationJudge judge) {
        this.judge = judge;
    }

    /** @return the policy's LoRA adapters, or null for full fine-tuning */
    public Lora lora() {
        return weights.lora();
    }

    /** @return the policy parameters the optimizer updates, by name */
    public List<Pair<String, Parameter>> policyParameters() {
        return weights.parameters();
    }

    /** @return the policy's network */
    protected LlamaModel network() {
        return policy.network();
    }

    /** @return the optimizer over every trained weight */
    protected AdamW optimizer() {
        return optimizer;
    }

    /** @return the parent of the update's arrays */
    protected NDManager manager() {
        return manager;
    }

    /** @return the guard rails */
    protected GuardRails guardRails() {
        return guardRails;
    }

    /**
     * Runs {@link OnlineTrainingLoop}: trains, then saves the output directory; with {@code resume} and a
     * checkpoint in the output directory, continues from the newest one.
     *
     * @param settings the run's settings
     * @param trainPrompts prompts to sample training answers for
     * @param evalPrompts held-out prompts (may be empty: no evaluation, the last weights are the output)
     * @param listener progress callbacks
     * @return what happened
     */
    protected RunResult run(OnlineTrainingLoop.Settings settings, List<List<ChatMessage>> trainPrompts,
            List<List<ChatMessage>> evalPrompts, TrainingListener listener) {
        return new OnlineTrainingLoop(settings, this, sampler, files, judge).train(trainPrompts, evalPrompts, listener);
    }

    /**
     * @param prompts this step's distinct prompts
     * @return the rows to sample, in order (RLOO and GRPO: each prompt {@code num_generations} times)
     */
    protected List<int[]> rolloutRows(List<int[]> prompts) {
        return prompts;
    }

    /** @return rows a full step samples (seeds each step's rollouts apart) */
    protected abstract int rowsPerStep();

    /**
     * @param responses the scored responses of one step
     * @return them with the method's advantages
     */
    protected abstract R prepare(List<ScoredResponse> responses);

    /**
     * @param rollout the prepared rollout
     * @param step the iteration
     * @return what the update did
     */
    protected abstract U update(R rollout, long step);

    /**
     * Called after an update that ran to its end.
     *
     * @param rollout the prepared rollout
     * @param updated what the update did
     * @return the step's metrics line, under TRL's names
     */
    protected abstract Map<String, Number> finish(R rollout, U updated);

    /** Sample, score, prepare, check the KL, update, check the ratio, report. */
    @Override
    public final Iteration iterate(List<int[]> prompts, long step) {
        // sampling and scoring are many small operations: one PyTorch thread (no OpenMP barrier per operation, see
        // TorchThreads); the update's large products use every core
        TorchThreads.set(1);
        long t0 = System.nanoTime();
        List<GenerationResult> generated = sampler.generate(rolloutRows(prompts), rolloutSeed(step), false);
        long t1 = System.nanoTime();
        List<ScoredResponse> responses = sampler.score(generated);
        R rollout = prepare(responses);
        long t2 = System.nanoTime();
        GuardRails.Trip trip = guardRails.checkKl(rollout.stats(), step);
        if (trip != null) {
            return new Iteration(responses, Map.of(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, 0, trip);
        }
        TorchThreads.set(updateThreads);
        U updated;
        try {
            updated = update(rollout, step);
        } finally {
            TorchThreads.set(1);
        }
        long t3 = System.nanoTime();
        if (updated.explodedRatio() > 0) {
            return new Iteration(responses, Map.of(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9,
                    guardRails.ratioTrip(updated.explodedRatio(), step));
        }
        return new Iteration(responses, finish(rollout, updated), (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                (t3 - t2) / 1e9, null);
    }

    /**
     * Runs one iteration on given prompts, outside any run (no checkpoint, no metrics file): what
     * {@code kaizen bench train} times. The weights change as in training.
     *
     * @param prompts distinct prompts, a step's worth
     * @param step the iteration number (seeds the sampling)
     * @return the time split
     */
    public IterationTimes timeIteration(List<int[]> prompts, long step) {
        return OnlineTrainingLoop.timeIteration(this, prompts, step);
    }

    /** Seeds of iteration {@code step}'s rollouts: row {@code i} samples with this plus {@code i}. */
    private long rolloutSeed(long step) {
        return args.seed() * 1_000_003L + step * rowsPerStep();
    }

    /** Frees the optimizer state and the reference; removes LoRA adapters from the policy. */
    @Override
    public void close() {
        optimizer.close();
        manager.close();
        if (reference != null) {
            reference.close();
        }
        weights.close();
    }
}
