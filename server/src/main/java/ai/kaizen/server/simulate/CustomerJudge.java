package ai.kaizen.server.simulate;

import ai.kaizen.trainer.cycle.IntentJudge;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a simulated customer judges an answer, from the data alone:
 * <ul>
 *   <li><b>intent match</b>: the intent the evaluation gate's {@link IntentJudge} (naive Bayes over Bitext's
 *       answers) reads in the answer is the message's intent, i.e. the answer addresses what was asked;</li>
 *   <li><b>closeness</b>: the token-overlap F1 of the answer and the reference answer ({@link #closeness}), when the
 *       message has one;</li>
 *   <li><b>score</b>, in [0, 1]: the mean of the two (intent match counting 1 or 0), or the intent match alone
 *       without a reference. An answer of the right intent scores at least 0.5, one of another intent at most
 *       0.5.</li>
 * </ul>
 * The customer's feedback follows: thumbs up exactly when the intent matches; stars {@code 1 + round(4 score)}
 * (so 3 to 5 for the right intent, 1 to 3 for another); between two answers, "both bad" when neither matches,
 * else the higher score, a tie within {@value #TIE}. Customers are careless at a rate: with probability
 * {@code noise} a judgement is flipped (thumbs reversed, stars mirrored as {@code 6 - stars}, A and B swapped, a tie
 * or "both bad" turned into A or B at random), each judgement with its own draw from the customer's seeded random
 * source.
 */
public final class CustomerJudge {

    /** Scores closer than this are a tie. */
    static final double TIE = 0.01;
    /** Words and whole {@code {{Placeholders}}}, as the intent classifier reads them. */
    private static final Pattern WORD = Pattern.compile("\\{\\{[^{}]+\\}\\}|[\\p{L}\\p{N}']+");

    private final IntentJudge intents;
    private final double noise;

    /**
     * @param intents the gate's intent judge
     * @param noise   the share of judgements flipped, 0 to 1
     */
    public CustomerJudge(IntentJudge intents, double noise) {
        if (!(noise >= 0 && noise <= 1)) {
            throw new IllegalArgumentException("noise must be between 0 and 1");
        }
        this.intents = intents;
        this.noise = noise;
    }

    /**
     * What the judge sees in one answer, before any noise.
     *
     * @param judgedIntent the intent the classifier reads in the answer
     * @param intentMatch  whether that is the message's intent
     * @param closeness    token-overlap F1 with the reference answer, or null without one
     * @param score        the combined score in [0, 1]
     */
    public record Assessment(String judgedIntent, boolean intentMatch, Double closeness, double score) {
    }

    /** A judgement as given, and whether noise flipped it. */
    public record Judged<T>(T value, boolean flipped) {
    }

    /** An A/B choice, named as {@code /v1/feedback} takes it. */
    public enum Choice {
        A, B, TIE, BOTH_BAD;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Assessment assess(SimulationPrompt prompt, String answer) {
        String judged = intents.intentOfAnswer(answer);
        boolean match = judged.equals(prompt.intent());
        Double closeness = prompt.reference() == null ? null : closeness(answer, prompt.reference());
        double score = closeness == null ? (match ? 1 : 0) : ((match ? 1 : 0) + closeness) / 2;
        return new Assessment(judged, match, closeness, score);
    }

    /** Thumbs up (1) or down (-1). */
    public Judged<Integer> thumbs(Assessment a, Random random) {
        int thumbs = a.intentMatch() ? 1 : -1;
        return flip(random) ? new Judged<>(-thumbs, true) : new Judged<>(thumbs, false);
    }

    /** One to five stars. */
    public Judged<Integer> stars(Assessment a, Random random) {
        int stars = 1 + (int) Math.round(4 * a.score());
        return flip(random) ? new Judged<>(6 - stars, true) : new Judged<>(stars, false);
    }

    /** The choice between answer A and answer B. */
    public Judged<Choice> choose(Assessment a, Assessment b, Random random) {
        Choice choice = preference(a, b);
        if (!flip(random)) {
            return new Judged<>(choice, false);
        }
        Choice flipped = switch (choice) {
            case A -> Choice.B;
            case B -> Choice.A;
            case TIE, BOTH_BAD -> random.nextBoolean() ? Choice.A : Choice.B;
        };
        return new Judged<>(flipped, true);
    }

    /** The choice between A and B without noise: what the judge itself thinks. */
    public static Choice preference(Assessment a, Assessment b) {
        if (!a.intentMatch() && !b.intentMatch()) {
            return Choice.BOTH_BAD;
        }
        double difference = a.score() - b.score();
        return Math.abs(difference) < TIE ? Choice.TIE : difference > 0 ? Choice.A : Choice.B;
    }

    /** One draw per judgement, whatever it turns out, so that a seed gives the same draws every time. */
    private boolean flip(Random random) {
        return random.nextDouble() < noise;
    }

    /**
     * SQuAD's token-overlap F1: the words (lower case, {@code {{Placeholders}}} whole) the answer shares with the
     * reference, counted with multiplicity; precision over the answer's words, recall over the reference's, and
     * their harmonic mean. 0 when either has no words. Simple, and blind to word order and synonyms: it tells an
     * answer that says what the reference says from one that says something else, not a good paraphrase from a bad
     * one.
     */
    public static double closeness(String answer, String reference) {
        List<String> a = words(answer);
        List<String> r = words(reference);
        if (a.isEmpty() || r.isEmpty()) {
            return 0;
        }
        Map<String, Integer> left = new HashMap<>();
        r.forEach(w -> left.merge(w, 1, Integer::sum));
        int shared = 0;
        for (String w : a) {
            Integer n = left.get(w);
            if (n != null && n > 0) {
                shared++;
                left.put(w, n - 1);
            }
        }
        if (shared == 0) {
            return 0;
        }
        double precision = shared / (double) a.size();
        double recall = shared / (double) r.size();
        return 2 * precision * recall / (precision + recall);
    }

    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }
}
