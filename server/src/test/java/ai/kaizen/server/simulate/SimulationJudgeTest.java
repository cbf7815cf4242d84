package ai.kaizen.server.simulate;

import ai.kaizen.model.Fixtures;
import ai.kaizen.trainer.cycle.AnswerJudge.Assessment;
import ai.kaizen.server.simulate.CustomerJudge.Choice;
import ai.kaizen.trainer.cycle.AnswerJudge;
import ai.kaizen.trainer.cycle.IntentJudge;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The simulated customers' judge, on the shipped Bitext data. */
class SimulationJudgeTest {

    static IntentJudge intents;
    /** Every 97th training message: a spread of intents. */
    static List<SimulationPrompt> sample;

    @BeforeAll
    static void load() {
        intents = IntentJudge.fromBitext(Fixtures.inRepository("data/bitext"));
        List<SimulationPrompt> all = SimulationPrompts.bitextTraining(Fixtures.inRepository("data/bitext"));
        sample = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 97) {
            sample.add(all.get(i));
        }
        assertThat(sample.stream().map(SimulationPrompt::intent).distinct().count()).isGreaterThan(20);
    }

    @Test
    void aReferenceAnswerAddressesItsIntent() {
        CustomerJudge judge = new CustomerJudge(intents, 0);
        Random random = new Random(1);
        int matches = 0;
        for (SimulationPrompt p : sample) {
            Assessment a = judge.assess(p, p.reference());
            assertThat(a.closeness()).isEqualTo(1.0);
            if (a.intentMatch()) {
                matches++;
                assertThat(a.score()).isEqualTo(1.0);
                assertThat(judge.thumbs(a, random).value()).isEqualTo(1);
                assertThat(judge.stars(a, random).value()).isEqualTo(5);
            }
        }
        // the classifier learnt from these answers: it reads nearly all of them right
        assertThat(matches / (double) sample.size()).isGreaterThan(0.95);
    }

    @Test
    void anAnswerOfAnotherIntentDoesNot() {
        CustomerJudge judge = new CustomerJudge(intents, 0);
        Random random = new Random(1);
        int misses = 0;
        for (int i = 0; i < sample.size(); i++) {
            SimulationPrompt p = sample.get(i);
            SimulationPrompt other = sample.get((i + sample.size() / 2) % sample.size());
            if (other.intent().equals(p.intent())) {
                continue;
            }
            Assessment wrong = judge.assess(p, other.reference());
            Assessment right = judge.assess(p, p.reference());
            if (!wrong.intentMatch()) {
                misses++;
                assertThat(wrong.score()).isLessThanOrEqualTo(0.5);
                assertThat(judge.thumbs(wrong, random).value()).isEqualTo(-1);
                assertThat(judge.stars(wrong, random).value()).isBetween(1, 3);
                if (right.intentMatch()) {
                    assertThat(CustomerJudge.preference(right, wrong)).isEqualTo(Choice.A);
                    assertThat(CustomerJudge.preference(wrong, right)).isEqualTo(Choice.B);
                }
            }
        }
        assertThat(misses).isGreaterThan((int) (0.9 * sample.size()));
    }

    @Test
    void twoWrongAnswersAreBothBadAndEqualOnesATie() {
        Assessment wrong = new Assessment("track_order", false, 0.3, 0.15);
        Assessment alsoWrong = new Assessment("get_refund", false, 0.1, 0.05);
        Assessment right = new Assessment("cancel_order", true, 0.3, 0.65);
        assertThat(CustomerJudge.preference(wrong, alsoWrong)).isEqualTo(Choice.BOTH_BAD);
        assertThat(CustomerJudge.preference(right, right)).isEqualTo(Choice.TIE);
        assertThat(CustomerJudge.preference(right, new Assessment("cancel_order", true, 0.305, 0.6525)))
                .as("within " + AnswerJudge.TIE).isEqualTo(Choice.TIE);
    }

    @Test
    void noiseFlipsItsShareOfJudgementsReproducibly() {
        CustomerJudge judge = new CustomerJudge(intents, 0.1);
        Assessment good = new Assessment("cancel_order", true, 0.5, 0.75);
        Assessment bad = new Assessment("track_order", false, 0.1, 0.05);
        int n = 20_000;
        List<Integer> first = new ArrayList<>();
        int flippedThumbs = 0, flippedStars = 0, flippedChoices = 0;
        Random random = new Random(42);
        for (int i = 0; i < n; i++) {
            CustomerJudge.Judged<Integer> t = judge.thumbs(good, random);
            assertThat(t.value()).isEqualTo(t.flipped() ? -1 : 1);
            flippedThumbs += t.flipped() ? 1 : 0;
            first.add(t.value());
            CustomerJudge.Judged<Integer> s = judge.stars(good, random);
            assertThat(s.value()).isEqualTo(s.flipped() ? 2 : 4);
            flippedStars += s.flipped() ? 1 : 0;
            CustomerJudge.Judged<Choice> c = judge.choose(good, bad, random);
            assertThat(c.value()).isEqualTo(c.flipped() ? Choice.B : Choice.A);
            flippedChoices += c.flipped() ? 1 : 0;
        }
        // 0.1 ± 3 standard errors (sqrt(0.09 / 20000) = 0.0021)
        assertThat(flippedThumbs / (double) n).isCloseTo(0.1, within(0.0064));
        assertThat(flippedStars / (double) n).isCloseTo(0.1, within(0.0064));
        assertThat(flippedChoices / (double) n).isCloseTo(0.1, within(0.0064));

        Random again = new Random(42);
        List<Integer> second = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            second.add(judge.thumbs(good, again).value());
            judge.stars(good, again);
            judge.choose(good, bad, again);
        }
        assertThat(second).as("the same seed, the same judgements").isEqualTo(first);
    }

    @Test
    void closenessIsTokenOverlapF1() {
        assertThat(AnswerJudge.closeness("The parcel is late", "the parcel is LATE!")).isEqualTo(1.0);
        // 2 shared words of 3 each: precision = recall = 2/3
        assertThat(AnswerJudge.closeness("a b c", "a b d")).isCloseTo(2 / 3.0, within(1e-12));
        // repeated words count once per occurrence in the reference
        assertThat(AnswerJudge.closeness("a a a a", "a b")).isCloseTo(2 * 0.25 * 0.5 / 0.75, within(1e-12));
        assertThat(AnswerJudge.closeness("call {{Customer Support Phone Number}}", "{{Customer Support Phone "
                + "Number}}")).isCloseTo(2 * 0.5 / 1.5, within(1e-12));
        assertThat(AnswerJudge.closeness("", "anything")).isZero();
        assertThat(AnswerJudge.closeness("nothing shared", "at all")).isZero();
    }
}
