package ai.kaizen.trainer.cycle;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.grpo.GrpoTrainer;
import ai.kaizen.trainer.reward.RewardModel;
import ai.kaizen.trainer.rloo.RlooTrainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one place where stages are wired: which {@link StageKind}s this build can run, and the implementation of
 * each, plus the reward model's {@link ResponseScorer} for the evaluation gate.
 */
public final class CycleStages {

    private CycleStages() {
    }

    /** The stages this build can run. */
    public static Set<StageKind> available() {
        return EnumSet.allOf(StageKind.class);
    }

    /** The implementation of {@code kind}. */
    public static CycleStage of(StageKind kind) {
        return switch (kind) {
            case DATASET -> new DatasetStage();
            case SFT -> new SftStage();
            case REWARD_MODEL -> new RewardModelStage();
            case DPO -> new DpoStage();
            case KTO -> new KtoStage();
            case PPO -> new PpoStage();
            case RLOO -> new GroupRlStage<>(StageKind.RLOO, RlooTrainer.METHOD);
            case GRPO -> new GroupRlStage<>(StageKind.GRPO, GrpoTrainer.METHOD);
            case EXTERNAL -> new ExternalStage();
            case EVALUATE -> new EvaluationStage();
        };
    }

    /** Scores answers with the reward model in {@code rewardModelDir}, for the evaluation gate. */
    public static Optional<ResponseScorer> scorer(Path rewardModelDir) {
        RewardModel model = RewardModel.load(rewardModelDir);
        return Optional.of(new ResponseScorer() {
            @Override
            public double score(List<ChatMessage> conversation, String answer) {
                List<ChatMessage> whole = new ArrayList<>(conversation);
                whole.add(ChatMessage.assistant(answer));
                return model.score(List.of(whole)).get(0).raw();
            }

            @Override
            public void close() {
                model.close();
            }
        });
    }
}
