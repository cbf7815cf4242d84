package ai.kaizen.server.simulate;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What one simulated customer did: the message sent, every answer received with the judge's assessment, and the
 * feedback given (null when none, or when something failed: {@code error} then says what).
 *
 * @param customer the customer's number, from 0
 * @param prompt   the message sent
 * @param answers  the answers, one or an A/B pair
 * @param feedback the feedback as sent to {@code /v1/feedback}, with which judgements noise flipped; or null
 * @param error    why the visit stopped short, or null
 */
record Interaction(int customer, SimulationPrompt prompt, List<JudgedAnswer> answers, JsonObject feedback,
                   String error) {

    /** One answer and how the judge saw it. */
    record JudgedAnswer(KaizenClient.Completion completion, ai.kaizen.trainer.cycle.AnswerJudge.Assessment assessment) {

        JsonObject toJson() {
            ai.kaizen.trainer.cycle.AnswerJudge.Assessment a = assessment;
            return new JsonObject().put("id", completion.id()).put("model", completion.model())
                    .put("text", completion.text()).put("judged_intent", a.judgedIntent())
                    .put("intent_match", a.intentMatch()).put("closeness", a.closeness()).put("score", a.score());
        }
    }

    /** One line of {@code interactions.jsonl}. */
    JsonObject toJson() {
        return new JsonObject().put("customer", customer).put("message", prompt.message())
                .put("intent", prompt.intent())
                .put("answers", new JsonArray(answers.stream().map(JudgedAnswer::toJson).toList()))
                .put("feedback", feedback).put("error", error);
    }
}
