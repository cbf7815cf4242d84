package ai.kaizen.server.review;

import ai.kaizen.db.review.Ranking;
import ai.kaizen.server.review.Agreement.Judgement;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The agreement metrics against values computed by hand (shown in the comments) and a published one. */
class AgreementTest {

    @Test
    void alphaOfTwoRatersWhoSwapTwoItems() {
        // units {1,1} {2,3} {3,2}: o11 = 2, o23 = o32 = 2; n1 = n2 = n3 = 2, n = 6.
        // ordinal δ²: δ12 = (4 - 2)² = 4, δ23 = 4, δ13 = (6 - 2)² = 16.
        // Do = (2·4 + 2·4) / 6 = 8/3; De = 2·(4·4 + 4·4 + 4·16) / (6·5) = 6.4; α = 1 - (8/3)/6.4 = 7/12.
        assertThat(Agreement.krippendorffOrdinal(List.of(List.of(1, 1), List.of(2, 3), List.of(3, 2))).getAsDouble())
                .isCloseTo(7.0 / 12, within(1e-12));
    }

    @Test
    void alphaWithTiesAndMissingValues() {
        // units {1,1,1} {2,3} {3,2,2} {2}: the last has one value (missing the others) and counts for nothing.
        // o11 = 6·½ = 3; {2,3} adds o23 = o32 = 1; {3,2,2} adds o32 = o23 = 2·½ = 1 and o22 = 2·½ = 1.
        // n1 = 3, n2 = 3, n3 = 2, n = 8. δ12 = 3² = 9, δ23 = 2.5² = 6.25, δ13 = (8 - 2.5)² = 30.25.
        // Do = (2·6.25 + 2·6.25) / 8 = 3.125; De = 2·(9·9 + 6·30.25 + 6·6.25) / 56 = 600/56; α = 1 - 3.125·56/600.
        double alpha = Agreement.krippendorffOrdinal(List.of(List.of(1, 1, 1), List.of(2, 3), List.of(3, 2, 2),
                List.of(2))).getAsDouble();
        assertThat(alpha).isCloseTo(1 - 3.125 * 56 / 600, within(1e-12)).isCloseTo(17.0 / 24, within(1e-12));
    }

    @Test
    void alphaOfKrippendorffsOwnExample() {
        // "Computing Krippendorff's Alpha-Reliability" (2011): 4 observers, 12 units, missing values; ordinal α = 0.815.
        Integer[][] data = {
                {1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null},
                {1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3},
                {null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null},
                {1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null}};
        List<List<Integer>> units = new ArrayList<>();
        for (int u = 0; u < 12; u++) {
            List<Integer> values = new ArrayList<>();
            for (Integer[] observer : data) {
                if (observer[u] != null) {
                    values.add(observer[u]);
                }
            }
            units.add(values);
        }
        assertThat(Agreement.krippendorffOrdinal(units).getAsDouble()).isCloseTo(0.815, within(0.0005));
    }

    @Test
    void noAlphaWithoutPairsOrVariation() {
        assertThat(Agreement.krippendorffOrdinal(List.of(List.of(1), List.of(2)))).isEmpty();
        assertThat(Agreement.krippendorffOrdinal(List.of(List.of(1, 1), List.of(1, 1)))).isEmpty();
    }

    static final UUID T1 = new UUID(0, 1);
    static final UUID T2 = new UUID(0, 2);
    static final UUID T3 = new UUID(0, 3);
    static final UUID X = new UUID(1, 1);
    static final UUID Y = new UUID(1, 2);
    static final UUID Z = new UUID(1, 3);

    static Judgement judge(UUID task, String reviewer, Object... idAndRank) {
        List<Ranking.Entry> entries = new ArrayList<>();
        for (int i = 0; i < idAndRank.length; i += 2) {
            entries.add(new Ranking.Entry((UUID) idAndRank[i], (Integer) idAndRank[i + 1], false));
        }
        return new Judgement(task, reviewer, new Ranking(entries));
    }

    /**
     * T1: ann x1 y2 z3, bob x1 y1 z2 (a tie). T2: ann alone. T3: ann, bob, dan x1 y2; cid x2 y1.
     */
    static final List<Judgement> JUDGEMENTS = List.of(
            judge(T1, "ann", X, 1, Y, 2, Z, 3), judge(T1, "bob", X, 1, Y, 1, Z, 2),
            judge(T2, "ann", X, 1, Y, 2),
            judge(T3, "ann", X, 1, Y, 2), judge(T3, "bob", X, 1, Y, 2), judge(T3, "cid", X, 2, Y, 1),
            judge(T3, "dan", X, 1, Y, 2));

    @Test
    void pairwiseAgreementCountsTiesAsTheirOwnRelation() {
        // T1: (x,y) ann better, bob tie: disagree; (x,z) and (y,z) agree: 2 of 3.
        assertThat(Agreement.pairwise(JUDGEMENTS.subList(0, 3)).getAsDouble()).isCloseTo(2.0 / 3, within(1e-12));
        // T3: 6 reviewer pairs on (x,y); the 3 with cid disagree: 3 of 6. All: (2 + 3) / (3 + 6).
        assertThat(Agreement.pairwise(JUDGEMENTS).getAsDouble()).isCloseTo(5.0 / 9, within(1e-12));
        assertThat(Agreement.pairwise(JUDGEMENTS.subList(2, 3))).isEmpty();
    }

    @Test
    void agreementWithTheMajorityOfTheOthers() {
        // ann: T1 vs bob 2 of 3; T3 others -1,+1,-1: majority better, ann agrees. 3 of 4. bob the same.
        // cid: T3 others all say x better, cid says y: 0 of 1. dan: 1 of 1.
        Map<String, java.util.OptionalDouble> shares = Agreement.withMajority(JUDGEMENTS);
        assertThat(shares.get("ann").getAsDouble()).isCloseTo(0.75, within(1e-12));
        assertThat(shares.get("bob").getAsDouble()).isCloseTo(0.75, within(1e-12));
        assertThat(shares.get("cid").getAsDouble()).isZero();
        assertThat(shares.get("dan").getAsDouble()).isEqualTo(1.0);
    }

    @Test
    void disagreementListsTheMostDisputedTasksFirst() {
        // T3: 1 - 3/6 = 0.5; T1: 1 - 2/3; T2 has one reviewer and is not listed.
        assertThat(Agreement.disagreement(JUDGEMENTS, 10)).containsExactly(Map.entry(T3, 0.5),
                Map.entry(T1, 1 - 2.0 / 3));
        assertThat(Agreement.disagreement(JUDGEMENTS, 1)).hasSize(1);
    }

    @Test
    void alphaOfRankingsUsesTasksAndCandidatesAsUnits() {
        // T1 only: units x {1,1}, y {2,1}, z {3,2}; the same as the general formula on those units.
        assertThat(Agreement.alpha(JUDGEMENTS.subList(0, 2)))
                .isEqualTo(Agreement.krippendorffOrdinal(List.of(List.of(1, 1), List.of(2, 1), List.of(3, 2))));
        assertThat(Agreement.onTasksOf("cid", JUDGEMENTS)).hasSize(4).allMatch(j -> j.taskId().equals(T3));
    }

    @Test
    void median() {
        assertThat(Agreement.median(List.of(3, 1, 2)).getAsDouble()).isEqualTo(2.0);
        assertThat(Agreement.median(List.of(4.0, 1.0, 2.0, 3.0)).getAsDouble()).isEqualTo(2.5);
        assertThat(Agreement.median(List.of())).isEmpty();
    }
}
