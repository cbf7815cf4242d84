package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Mismatched pairs: for a prompt P with an approved answer A_P, and another request Q of a different kind with its
 * approved answer A_Q, the pair (P: chosen A_P, rejected A_Q). A good answer to another request is a bad answer to
 * this one. Users' pairs mostly compare two answers to the same request, which teaches style; without these pairs a
 * reward model may score a fluent answer to the wrong request highly, and PPO then learns to give one such answer
 * to everything (seen in the RLHF demonstration's first runs).
 *
 * <p>"Of a different kind": where both prompts carry an intent ({@link PromptIntents}), the intents differ; else
 * their last user messages share few words: a token Jaccard similarity below {@link #MAX_JACCARD}, so that two
 * near-identical requests (whose answers would fit either) are never paired. Both answers are approved ones
 * (chosen, thumbs up), so only relevance separates them, not quality or style.
 *
 * <p>Deterministic: the same approved answers, share and seed give the same pairs.
 */
public final class MismatchedPairs {

    /** The provenance kind of a mismatched pair. */
    public static final String KIND = "mismatched";

    /** Prompts without two known intents are of a different kind when their word sets overlap less than this. */
    public static final double MAX_JACCARD = 0.5;

    /** Draws of a partner per pair before giving up (nearly every other prompt being of the same kind). */
    private static final int ATTEMPTS = 20;

    private MismatchedPairs() {
    }

    /**
     * An answer approved for its prompt.
     *
     * @param prompt     the conversation before the answer
     * @param answer     the answer
     * @param provenance where the approval came from
     */
    public record Approved(List<ChatMessage> prompt, String answer, Provenance provenance) {
    }

    /**
     * The approved answers of a reward model's data: the chosen answers of decided pairs (not ties, not mismatched
     * pairs themselves) and thumbs-up answers, each (prompt, answer) once, in the order given.
     */
    public static List<Approved> approvedAnswers(List<PreferenceExample> pairs, List<ThumbsExample> thumbs) {
        List<Approved> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (PreferenceExample p : pairs) {
            if (!p.tie() && !p.provenance().kind().equals(KIND)
                    && seen.add(PromptSplitter.key(p.prompt()) + "\u0000" + p.chosen())) {
                out.add(new Approved(p.prompt(), p.chosen(), p.provenance()));
            }
        }
        for (ThumbsExample t : thumbs) {
            if (t.label() && seen.add(PromptSplitter.key(t.prompt()) + "\u0000" + t.completion())) {
                out.add(new Approved(t.prompt(), t.completion(), t.provenance()));
            }
        }
        return out;
    }

    /**
     * Pairs each approved answer with approved answers to requests of another kind.
     *
     * @param approved  the approved answers (partners are drawn among them)
     * @param perAnswer pairs per approved answer: the whole part always, the fraction with that probability
     *                  (0.5: half of them get one; 2: each gets two); 0 makes none
     * @param seed      seeds the draws
     * @param intents   the prompts' intents, where known
     * @return the pairs, provenance {@link #KIND} naming both answers' sources
     */
    public static List<PreferenceExample> of(List<Approved> approved, double perAnswer, long seed,
            PromptIntents intents) {
        if (!(perAnswer >= 0) || Double.isInfinite(perAnswer)) {
            throw new IllegalArgumentException("mismatched pairs per answer must be a number >= 0");
        }
        List<PreferenceExample> out = new ArrayList<>();
        if (perAnswer == 0 || approved.size() < 2) {
            return out;
        }
        Random random = new Random(seed);
        int whole = (int) Math.floor(perAnswer);
        double fraction = perAnswer - whole;
        for (Approved a : approved) {
            int draws = whole + (random.nextDouble() < fraction ? 1 : 0);
            for (int d = 0; d < draws; d++) {
                for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                    Approved other = approved.get(random.nextInt(approved.size()));
                    if (differentKind(a.prompt(), other.prompt(), intents) && !other.answer().equals(a.answer())) {
                        List<String> ids = new ArrayList<>(a.provenance().ids());
                        ids.addAll(other.provenance().ids());
                        out.add(new PreferenceExample(a.prompt(), a.answer(), other.answer(),
                                new Provenance(KIND, ids)));
                        break;
                    }
                }
            }
        }
        return out;
    }

    /**
     * Whether two prompts ask for different things: different intents where both are known, else last user messages
     * with a token Jaccard similarity below {@link #MAX_JACCARD}.
     */
    public static boolean differentKind(List<ChatMessage> p, List<ChatMessage> q, PromptIntents intents) {
        Optional<String> ip = intents.intentOf(p);
        Optional<String> iq = intents.intentOf(q);
        if (ip.isPresent() && iq.isPresent()) {
            return !ip.get().equals(iq.get());
        }
        String mp = PromptIntents.lastUserMessage(p).orElse("");
        String mq = PromptIntents.lastUserMessage(q).orElse("");
        return jaccard(mp, mq) < MAX_JACCARD;
    }

    /** |A ∩ B| / |A ∪ B| of the two texts' lower-case word sets (letters and digits); 1 for two texts without words. */
    static double jaccard(String a, String b) {
        Set<String> x = words(a);
        Set<String> y = words(b);
        if (x.isEmpty() && y.isEmpty()) {
            return 1;
        }
        Set<String> union = new HashSet<>(x);
        union.addAll(y);
        x.retainAll(y);
        return (double) x.size() / union.size();
    }

    private static Set<String> words(String text) {
        Set<String> out = new HashSet<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }
}
