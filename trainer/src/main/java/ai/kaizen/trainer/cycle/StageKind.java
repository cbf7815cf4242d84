package ai.kaizen.trainer.cycle;

import java.util.Arrays;
import java.util.Locale;

/**
 * The stages a retraining cycle may run, in the order they run. Each has a {@link CycleStage} implementation made
 * in {@link CycleStages}, the one place where new stages are wired in.
 */
public enum StageKind {
    /**
     * Builds the versioned SFT (and, for the RM/DPO/PPO stages, preference; for KTO, thumbs) dataset from the
     * feedback.
     */
    DATASET(true),
    /** Supervised fine-tuning of the serving model on the dataset. */
    SFT(true),
    /** Trains the reward model on the preference dataset. */
    REWARD_MODEL(true),
    /** Direct preference optimisation of the newest policy. */
    DPO(true),
    /** Kahneman-Tversky optimisation of the newest policy on answers labelled good or bad (thumbs, stars). */
    KTO(true),
    /** PPO against the reward model. */
    PPO(true),
    /** RLOO against the reward model (no critic). */
    RLOO(true),
    /** GRPO against the reward model (no critic). */
    GRPO(true),
    /**
     * Hands training to a distributed trainer: exports the dataset in TRL's formats, runs TRL's CLI as a Kubeflow
     * TrainJob (or PyTorchJob) and imports its Hugging Face output ({@link ExternalStage}).
     */
    EXTERNAL(true),
    /** Registers the newest trained model as the candidate and compares it with the serving model. */
    EVALUATE(false);

    private final boolean training;

    StageKind(boolean training) {
        this.training = training;
    }

    /** Whether the stage trains or builds something (as opposed to judging the result). */
    public boolean isTraining() {
        return training;
    }

    /** Whether the stage trains on answers labelled good or bad (the dataset stage then builds the thumbs dataset). */
    public boolean needsThumbs() {
        return this == KTO;
    }

    /** Whether the stage trains on preference pairs (the dataset stage then builds them too). */
    public boolean needsPreferences() {
        return this == REWARD_MODEL || this == DPO || this == PPO || this == RLOO || this == GRPO;
    }

    /** Its name in requests, results and the console: {@code dataset}, {@code sft}, {@code reward_model}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads a label; fails with a message naming the choices. */
    public static StageKind parse(String label) {
        return Arrays.stream(values()).filter(k -> k.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown stage '" + label + "'; stages are "
                        + Arrays.stream(values()).map(StageKind::label).toList()));
    }
}
