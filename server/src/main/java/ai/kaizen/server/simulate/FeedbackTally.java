package ai.kaizen.server.simulate;

import ai.kaizen.trainer.cycle.Interval;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;

/** The feedback phase's figures, added up one interaction at a time (in customer order). */
final class FeedbackTally {

    private int customers;
    private int messagesSent;
    private int failed;
    private int answers;
    private int intentMatches;
    private int withReference;
    private double closenessSum;
    private int ratings;
    private int thumbsUp;
    private int thumbsDown;
    private final Map<Integer, Integer> stars = new TreeMap<>();
    private final Map<String, Integer> choices = new TreeMap<>();
    private int flipped;

    void add(Interaction i) {
        customers++;
        if (!i.answers().isEmpty()) {
            messagesSent++;
        }
        if (i.error() != null) {
            failed++;
        }
        for (Interaction.JudgedAnswer a : i.answers()) {
            answers++;
            intentMatches += a.assessment().intentMatch() ? 1 : 0;
            if (a.assessment().closeness() != null) {
                withReference++;
                closenessSum += a.assessment().closeness();
            }
        }
        JsonObject f = i.feedback();
        if (f == null) {
            return;
        }
        if (f.containsKey("choice")) {
            choices.merge(f.getString("choice"), 1, Integer::sum);
        } else {
            ratings++;
        }
        if (f.containsKey("thumbs")) {
            if (f.getInteger("thumbs") > 0) {
                thumbsUp++;
            } else {
                thumbsDown++;
            }
        }
        if (f.containsKey("stars")) {
            stars.merge(f.getInteger("stars"), 1, Integer::sum);
        }
        for (String k : f.fieldNames()) {
            flipped += k.endsWith("_flipped") && f.getBoolean(k) ? 1 : 0;
        }
    }

    /** A/B choices given. */
    int choices() {
        return choices.values().stream().mapToInt(Integer::intValue).sum();
    }

    JsonObject toJson() {
        JsonObject starCounts = new JsonObject();
        stars.forEach((s, n) -> starCounts.put(Integer.toString(s), n));
        JsonObject choiceCounts = new JsonObject();
        choices.forEach(choiceCounts::put);
        int starCount = stars.values().stream().mapToInt(Integer::intValue).sum();
        int judgements = thumbsUp + thumbsDown + starCount + choices();
        return new JsonObject().put("customers", customers).put("messages_sent", messagesSent)
                .put("failed", failed).put("answers_judged", answers)
                .put("intent_match", share(intentMatches, answers))
                .put("mean_closeness", withReference == 0 ? null : closenessSum / withReference)
                .put("answers_with_reference", withReference)
                .put("feedback", new JsonObject().put("ratings", ratings).put("thumbs_up", thumbsUp)
                        .put("thumbs_down", thumbsDown).put("stars", starCounts).put("choices", choiceCounts)
                        .put("choices_total", choices()).put("judgements", judgements)
                        .put("flipped_by_noise", flipped));
    }

    /** A share with its 95% Wilson interval (the gate's, so that the two read alike). */
    static JsonObject share(double successes, int n) {
        Interval ci = Interval.wilson(successes, n);
        return new JsonObject().put("rate", n == 0 ? null : successes / n).put("n", n)
                .put("ci", new JsonArray().add(ci.low()).add(ci.high()));
    }
}
