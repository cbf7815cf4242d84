package ai.kaizen.trainer.cycle;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The one place where stages are wired: which {@link StageKind}s this build can run, and the implementation of
 * each. The reward-model, DPO and PPO trainers arrive with their own issues; wiring one is a case here (and, for
 * the evaluation gate's reward-model score, a {@link ResponseScorer} factory in {@link #scorer}).
 */
public final class CycleStages {

    private CycleStages() {
    }

    /** The stages this build can run. */
    public static Set<StageKind> available() {
        return EnumSet.of(StageKind.DATASET, StageKind.SFT, StageKind.EVALUATE);
    }

    /** The implementation of {@code kind}; fails with a one-line reason when this build has none. */
    public static CycleStage of(StageKind kind) {
        return switch (kind) {
            case DATASET -> new DatasetStage();
            case SFT -> new SftStage();
            case EVALUATE -> new EvaluationStage();
            case REWARD_MODEL, DPO, PPO -> throw new IllegalArgumentException("the " + kind.label()
                    + " stage is not available in this build yet");
        };
    }

    /**
     * Scores answers with the reward model in {@code rewardModelDir}, for the evaluation gate. Empty until the
     * reward-model class is wired here; the gate then reports reward score and win rate as unavailable.
     */
    public static Optional<ResponseScorer> scorer(java.nio.file.Path rewardModelDir) {
        return Optional.empty();
    }
}
