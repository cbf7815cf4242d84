package ai.kaizen.server.simulate;

import ai.kaizen.trainer.cycle.AnswerJudge;
import ai.kaizen.trainer.cycle.AnswerJudge.Assessment;
import ai.kaizen.trainer.cycle.IntentJudge;

import java.util.Locale;
import java.util.Random;

/**
 * How a simulated customer judges an answer: as the trainer's {@link AnswerJudge} (intent match, closeness to the
 * reference answer, their combined score), then gives feedback from it. Thumbs up exactly when the intent matches;
 * stars {@code 1 + round(4 score)} (so 3 to 5 for the right intent, 1 to 3 for another); between two answers, "both
 * bad" when neither matches, else the higher score, a tie within {@link AnswerJudge#TIE}. Customers are careless
 * at a rate: with probability {@code noise} a judgement is flipped (thumbs reversed, stars mirrored as
 * {@code 6 - stars}, A and B swapped, a tie or "both bad" turned into A or B at random), each judgement with its
 * own draw from the customer's seeded random source.
 */
public final class CustomerJudge {

    private final AnswerJudge judge;
    private final double noise;

    /**
     * @param intents the gate's intent judge
     * @param noise   the share of judgements flipped, 0 to 1
     */
    public CustomerJudge(IntentJudge intents, double noise) {
        if (!(noise >= 0 && noise <= 1)) {
            throw new IllegalArgumentException("noise must be between 0 and 1");
        }
        this.judge = new AnswerJudge(intents);
        this.noise = noise;
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
        return judge.assess(prompt.intent(), prompt.reference(), answer);
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
        return switch (AnswerJudge.preference(a, b)) {
            case FIRST -> Choice.A;
            case SECOND -> Choice.B;
            case TIE -> Choice.TIE;
            case BOTH_BAD -> Choice.BOTH_BAD;
        };
    }

    /** One draw per judgement, whatever it turns out, so that a seed gives the same draws every time. */
    private boolean flip(Random random) {
        return random.nextDouble() < noise;
    }
}
