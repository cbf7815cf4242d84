package ai.kaizen.server.cli;

import ai.kaizen.trainer.online.GroupMethod;
import ai.kaizen.trainer.rloo.RlooConfig;
import ai.kaizen.trainer.rloo.RlooTrainer;
import picocli.CommandLine.Command;

/** {@code kaizen train rloo}: REINFORCE leave-one-out against a reward model on a prompt dataset. */
@Command(name = "rloo",
        mixinStandardHelpOptions = true,
        description = {"RLOO against a reward model (TRL's RLOOTrainer): num_generations answers per",
                "prompt, the KL to the frozen reference subtracted from each reward, each",
                "answer judged against the mean of the others to the same prompt, a clipped",
                "sequence-level surrogate; no critic. Guard rails (kl_limit, ratio_limit),",
                "evaluation on eval.jsonl keeping the best, checkpoints every save_steps",
                "(--resume continues exactly), metrics.jsonl, eval_report.json. The config file",
                "is JSON with TRL's RLOOConfig names (learning_rate, num_generations, beta,",
                "epsilon, num_iterations, ...), plus model_name_or_path, reward_model_path,",
                "dataset_dir (train.jsonl/eval.jsonl with \"prompt\") and output_dir; the flags",
                "override them. Prints one JSON line."})
public final class TrainRlooCommand extends OnlineRlCommand<RlooConfig> {

    @Override
    GroupMethod<RlooConfig> method() {
        return RlooTrainer.METHOD;
    }
}
