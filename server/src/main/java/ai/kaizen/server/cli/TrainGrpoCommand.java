package ai.kaizen.server.cli;

import ai.kaizen.trainer.grpo.GrpoConfig;
import ai.kaizen.trainer.grpo.GrpoTrainer;
import ai.kaizen.trainer.online.GroupMethod;
import picocli.CommandLine.Command;

/** {@code kaizen train grpo}: group relative policy optimisation against a reward model on a prompt dataset. */
@Command(name = "grpo",
        mixinStandardHelpOptions = true,
        description = {"GRPO against a reward model (TRL's GRPOTrainer): num_generations answers per",
                "prompt, each answer's advantage its reward's distance from its group's mean",
                "(in group standard deviations unless scale_rewards says otherwise), a clipped",
                "token-level surrogate with beta times the KL to the frozen reference,",
                "loss_type grpo, bnpo, dr_grpo or dapo; no critic. Guard rails (kl_limit,",
                "ratio_limit), evaluation on eval.jsonl keeping the best, checkpoints every",
                "save_steps (--resume continues exactly), metrics.jsonl, eval_report.json. The",
                "config file is JSON with TRL's GRPOConfig names (learning_rate,",
                "num_generations, beta, loss_type, scale_rewards, epsilon, num_iterations,",
                "...), plus model_name_or_path, reward_model_path, dataset_dir and output_dir;",
                "the flags override them. Prints one JSON line."})
public final class TrainGrpoCommand extends OnlineRlCommand<GrpoConfig> {

    @Override
    GroupMethod<GrpoConfig> method() {
        return GrpoTrainer.METHOD;
    }
}
