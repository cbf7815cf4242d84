package ai.kaizen.trainer.cycle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judges an answer from the data alone, by evidence no trainer optimises:
 * <ul>
 *   <li><b>intent match</b>: the intent {@link IntentJudge}'s classifier (naive Bayes over Bitext's answers) reads in
 *       the answer is the message's intent, i.e. the answer addresses what was asked;</li>
 *   <li><b>closeness</b>: the token-overlap F1 of the answer and the reference answer ({@link #closeness}), when the
 *       message has one;</li>
 *   <li><b>score</b>, in [0, 1]: the mean of the two (intent match counting 1 or 0), or the intent match alone
 *       without a reference. An answer of the right intent scores at least 0.5, one of another intent at most
 *       0.5.</li>
 * </ul>
 * Between two answers it prefers the higher score ({@link #preference}), calls scores within {@value #TIE} a tie,
 * and "both bad" when neither addresses the intent. {@code kaizen simulate}'s customers and the RLHF
 * demonstration's comparison both judge this way.
 */
public final class AnswerJudge {

    /** Scores closer than this are a tie. */
    public static final double TIE = 0.01;
    /** Words and whole {@code {{Placeholders}}}, as the intent classifier reads them. */
    private static final Pattern WORD = Pattern.compile("\\{\\{[^{}]+\\}\\}|[\\p{L}\\p{N}']+");

    private final IntentJudge intents;

    /** @param intents reads an answer's intent */
    public AnswerJudge(IntentJudge intents) {
        this.intents = intents;
    }

    /**
     * What the judge sees in one answer.
     *
     * @param judgedIntent the intent the classifier reads in the answer
     * @param intentMatch whether that is the message's intent
     * @param closeness token-overlap F1 with the reference answer, or null without one
     * @param score the combined score in [0, 1]
     */
    public record Assessment(String judgedIntent, boolean intentMatch, Double closeness, double score) {}

    /** The judge's preference between a first and a second answer to the same message. */
    public enum Preference { FIRST, SECOND, TIE, BOTH_BAD }

    /**
     * @param intent the message's intent
     * @param reference the reference answer, or null
     * @param answer the answer judged
     * @return the assessment
     */
    public Assessment assess(String intent, String reference, String answer) {
        String judged = intents.intentOfAnswer(answer);
        boolean match = judged.equals(intent);
        Double closeness = reference == null ? null : closeness(answer, reference);
        double score = closeness == null ? (match ? 1 : 0) : ((match ? 1 : 0) + closeness) / 2;
        return new Assessment(judged, match, closeness, score);
    }

    /** The preference between two assessed answers to the same message. */
    public static Preference preference(Assessment first, Assessment second) {
        if (!first.intentMatch() && !second.intentMatch()) {
            return Preference.BOTH_BAD;
        }
        double difference = first.score() - second.score();
        return Math.abs(difference) < TIE ? Preference.TIE : difference > 0 ? Preference.FIRST : Preference.SECOND;
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
