package ai.kaizen.trainer.cycle;

import io.vertx.core.json.JsonObject;

/**
 * Whether and how a cycle's gate asks reviewers (options under {@code "gate"} in a cycle's request, beside
 * {@link GateThresholds}).
 *
 * @param votes        {@code human_votes}: votes the gate waits for; 0 (the default) asks no one
 * @param prompts      {@code human_prompts}: held-out prompts made into blind tasks; 0 (the default) means as many
 *                     as votes, as far as the held-out slice goes. A reviewer votes once per task, so N votes on P
 *                     prompts need at least N / P reviewers
 * @param hours        {@code human_eval_hours}: how long the cycle waits for the votes (default 168, a week); then
 *                     it is judged on the votes it has
 * @param maxNewTokens {@code human_max_new_tokens}: the longest answer each model writes for the tasks (default 200,
 *                     the chat's {@code chat.max-new-tokens})
 */
public record HumanEvalSettings(int votes, int prompts, double hours, int maxNewTokens) {

    public static final HumanEvalSettings OFF = new HumanEvalSettings(0, 0, 168, 200);

    public HumanEvalSettings {
        if (votes < 0) {
            throw new IllegalArgumentException("gate.human_votes must be 0 (no human evaluation) or more");
        }
        if (prompts < 0) {
            throw new IllegalArgumentException("gate.human_prompts must be 0 (as many as votes) or more");
        }
        if (!(hours > 0)) {
            throw new IllegalArgumentException("gate.human_eval_hours must be more than 0");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("gate.human_max_new_tokens must be at least 1");
        }
    }

    /** From a request's {@code "gate"} object (a bad value is an {@link IllegalArgumentException}). */
    public static HumanEvalSettings fromJson(JsonObject gate) {
        return new HumanEvalSettings(gate.getInteger("human_votes", OFF.votes()),
                gate.getInteger("human_prompts", OFF.prompts()),
                gate.getDouble("human_eval_hours", OFF.hours()),
                gate.getInteger("human_max_new_tokens", OFF.maxNewTokens()));
    }

    public boolean enabled() {
        return votes > 0;
    }

    /** How many of {@code available} held-out prompts become tasks. */
    public int promptsOf(int available) {
        return Math.min(available, prompts == 0 ? votes : prompts);
    }
}
