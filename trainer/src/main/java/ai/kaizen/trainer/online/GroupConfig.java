package ai.kaizen.trainer.online;

import ai.kaizen.trainer.training.TrainingArguments;
import com.google.gson.JsonObject;
import java.util.Map;

/**
 * What a {@link GroupTrainer} needs of RLOO's and GRPO's configurations: transformers' shared training
 * arguments, the online options, and the method's name.
 *
 * <p>A step is one rollout batch: {@code per_device_train_batch_size x gradient_accumulation_steps} answers,
 * {@code num_generations} to each of that many divided by {@code num_generations} prompts (TRL requires the
 * division to be exact, so does Kaizen), trained on with {@code num_iterations} optimizer updates. TRL counts
 * each of those updates as a step; Kaizen counts the batch, as PPO's steps count its iterations, so that
 * {@code max_steps}, {@code eval_steps} and {@code save_steps} mean the same for the three methods and a
 * checkpoint never falls between two updates of one batch.
 */
public interface GroupConfig {

    /** @return the method's name: {@code rloo} or {@code grpo} */
    String method();

    /** @return transformers' arguments (learning rate, batch sizes, steps, checkpoints, LoRA, output) */
    TrainingArguments args();

    /** @return the online options (group size, lengths, clipping, KL, guard rails, evaluation) */
    OnlineArguments online();

    /** @return every option under its TRL name */
    JsonObject toJson();

    /** @return answers per step */
    default int completionsPerStep() {
        return args().effectiveBatchSize();
    }

    /** @return distinct prompts per step */
    default int promptsPerStep() {
        return completionsPerStep() / online().numGenerations();
    }

    /**
     * @param prompts training prompts available
     * @return steps the run takes: {@code max_steps}, or {@code num_train_epochs} passes over the prompts
     */
    default long totalSteps(int prompts) {
        if (args().maxSteps() > 0) {
            return args().maxSteps();
        }
        return Math.max(1, (long) Math.ceil(args().epochs() * prompts / promptsPerStep()));
    }

    /**
     * Lays TRL-named options over a base configuration's, as {@link TrainingArguments#overlay}, and refuses an
     * option TRL renamed with its new name (a config copied from another trainer or an older TRL).
     *
     * @param options the user's options
     * @param base the configuration whose values stand for keys not given
     * @param what the method, for the messages ({@code RLOO}, {@code GRPO})
     * @param renamed new names by old name
     * @param renamedBy who renamed them, as the message says it (e.g. {@code TRL's GRPOConfig calls it})
     * @return the merged options
     */
    static JsonObject overlay(JsonObject options, GroupConfig base, String what, Map<String, String> renamed,
            String renamedBy) {
        for (String key : options.keySet()) {
            if (renamed.containsKey(key)) {
                throw new IllegalArgumentException("Unknown " + what + " option '" + key + "': " + renamedBy + " '"
                        + renamed.get(key) + "'");
            }
        }
        return TrainingArguments.overlay(base.toJson(), options, what);
    }

    /**
     * Checks what ties the two option sets together.
     *
     * @param args transformers' arguments
     * @param online the online options
     */
    static void validate(TrainingArguments args, OnlineArguments online) {
        if (args.effectiveBatchSize() % online.numGenerations() != 0) {
            throw new IllegalArgumentException("per_device_train_batch_size x gradient_accumulation_steps ("
                    + args.effectiveBatchSize() + ") must be a multiple of num_generations ("
                    + online.numGenerations() + ")");
        }
        if (args.maxLength() <= online.maxCompletionLength()) {
            throw new IllegalArgumentException("max_length (" + args.maxLength() + ") must exceed "
                    + "max_completion_length (" + online.maxCompletionLength() + "): it bounds prompt and answer");
        }
    }
}
