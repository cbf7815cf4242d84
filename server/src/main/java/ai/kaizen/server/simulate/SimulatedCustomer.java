package ai.kaizen.server.simulate;

import ai.kaizen.trainer.cycle.AnswerJudge.Assessment;
import ai.kaizen.server.simulate.CustomerJudge.Judged;
import ai.kaizen.server.simulate.Interaction.JudgedAnswer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One simulated customer's visit: sends its message through the API, judges the answer (or the two answers of an
 * A/B pair, asked for as two completions of the same message with different seeds, as the chat page's pairs are two
 * samples) and sends its feedback to {@code /v1/feedback}. Everything it draws (pair or not, the completions' seeds,
 * which feedback, noise) comes from its own random source, seeded from the simulation's seed and its number, so a
 * visit is the same whatever the other customers do and in whatever order they run.
 */
final class SimulatedCustomer {

    private final KaizenClient client;
    private final CustomerJudge judge;
    private final FeedbackShares shares;
    private final int maxTokens;

    SimulatedCustomer(KaizenClient client, CustomerJudge judge, FeedbackShares shares, int maxTokens) {
        this.client = client;
        this.judge = judge;
        this.shares = shares;
        this.maxTokens = maxTokens;
    }

    Interaction visit(int customer, SimulationPrompt prompt, long seed) {
        Random random = new Random(seed);
        boolean pair = random.nextDouble() < shares.pairs();
        long completionSeed = random.nextLong() >>> 2; // non-negative, with room for the second answer's seed
        List<JudgedAnswer> answers = new ArrayList<>();
        try {
            for (int i = 0; i < (pair ? 2 : 1); i++) {
                KaizenClient.Completion c = client.complete(prompt.message(), completionSeed + i, maxTokens);
                answers.add(new JudgedAnswer(c, judge.assess(prompt, c.text())));
            }
            JsonObject feedback = pair ? choose(answers, random) : rate(answers.get(0), random);
            if (feedback != null) {
                JsonObject sent = feedback.copy();
                sent.fieldNames().removeIf(k -> k.endsWith("_flipped"));
                client.feedback(sent);
            }
            return new Interaction(customer, prompt, answers, feedback, null);
        } catch (KaizenClient.Failure e) {
            return new Interaction(customer, prompt, answers, null, e.getMessage());
        }
    }

    private JsonObject choose(List<JudgedAnswer> answers, Random random) {
        Judged<CustomerJudge.Choice> choice = judge.choose(answers.get(0).assessment(), answers.get(1).assessment(),
                random);
        return new JsonObject().put("message_id", answers.get(0).completion().id())
                .put("compared_with", answers.get(1).completion().id())
                .put("choice", choice.value().label()).put("choice_flipped", choice.flipped());
    }

    /** Thumbs and/or stars, or null when this customer rates nothing. */
    private JsonObject rate(JudgedAnswer answer, Random random) {
        boolean thumbs = random.nextDouble() < shares.thumbs();
        boolean stars = random.nextDouble() < shares.stars();
        if (!thumbs && !stars) {
            return null;
        }
        Assessment a = answer.assessment();
        JsonObject feedback = new JsonObject().put("message_id", answer.completion().id());
        if (thumbs) {
            Judged<Integer> t = judge.thumbs(a, random);
            feedback.put("thumbs", t.value()).put("thumbs_flipped", t.flipped());
        }
        if (stars) {
            Judged<Integer> s = judge.stars(a, random);
            feedback.put("stars", s.value()).put("stars_flipped", s.flipped());
        }
        return feedback;
    }
}
