package ai.kaizen.trainer.cycle;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Answers a customer should never see, told by their text alone (no model): empty ones, ones that still hold a
 * raw {@code {{...}}} template placeholder (the Bitext answers the starter model learned from are full of
 * {@code {{Order Number}}}; a served answer must not show one), and refusals. A refusal is an answer that opens with
 * one of a short list of refusal phrases ({@link #REFUSALS}; compared in lower case, curly apostrophes made
 * straight): deliberately narrow, so that "I'm sorry your parcel is late" is not one. The gate compares
 * the share of defective answers of the candidate with the serving model's.
 */
public final class AnswerDefects {

    /** Why an answer is defective. */
    public enum Kind { EMPTY, PLACEHOLDER, REFUSAL }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{[^{}]*}}");

    /** How refusals open, in lower case with straight apostrophes. */
    static final List<String> REFUSALS = List.of(
            "i can't help", "i cannot help", "i can't assist", "i cannot assist", "i'm unable to", "i am unable to",
            "i'm not able to", "i am not able to", "i won't be able to", "sorry, i can't", "sorry, i cannot",
            "i'm sorry, but i can't", "i'm sorry, but i cannot", "i am sorry, but i cannot", "as an ai");

    private AnswerDefects() {
    }

    /** What is wrong with {@code answer}, if anything (the first of empty, placeholder, refusal that applies). */
    public static Optional<Kind> of(String answer) {
        String text = answer == null ? "" : answer.strip();
        if (text.isEmpty()) {
            return Optional.of(Kind.EMPTY);
        }
        if (PLACEHOLDER.matcher(text).find()) {
            return Optional.of(Kind.PLACEHOLDER);
        }
        String opening = text.toLowerCase(Locale.ROOT).replace('\u2019', '\'');
        return REFUSALS.stream().anyMatch(opening::startsWith) ? Optional.of(Kind.REFUSAL) : Optional.empty();
    }
}
