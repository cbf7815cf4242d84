package ai.kaizen.db.review;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Rankings into training pairs, and their JSON form. */
class RankingTest {

    static final UUID A = new UUID(0, 1);
    static final UUID B = new UUID(0, 2);
    static final UUID C = new UUID(0, 3);
    static final UUID D = new UUID(0, 4);

    @Test
    void everyBetterWorsePairAndNoneForTies() {
        Ranking r = new Ranking(List.of(new Ranking.Entry(C, 2, false), new Ranking.Entry(A, 1, false),
                new Ranking.Entry(B, 2, false), new Ranking.Entry(D, 3, false)));
        assertThat(r.order()).containsExactly(A, B, C, D);
        assertThat(r.pairs()).extracting(p -> List.of(p.better(), p.worse())).containsExactlyInAnyOrder(
                List.of(A, B), List.of(A, C), List.of(A, D), List.of(B, D), List.of(C, D));
        assertThat(r.ties()).isEqualTo(1);
    }

    @Test
    void unacceptableAnswersLoseToEveryAcceptableOneAndMakeNoPairAmongThemselves() {
        // D ranked above C but flagged: C still beats it; B and D both flagged: no pair between them.
        Ranking r = new Ranking(List.of(new Ranking.Entry(A, 1, false), new Ranking.Entry(D, 2, true),
                new Ranking.Entry(C, 3, false), new Ranking.Entry(B, 4, true)));
        assertThat(r.pairs()).extracting(p -> List.of(p.better(), p.worse(), p.reason())).containsExactlyInAnyOrder(
                List.of(A, C, Ranking.Reason.RANK),
                List.of(A, D, Ranking.Reason.ACCEPTABLE_OVER_UNACCEPTABLE),
                List.of(A, B, Ranking.Reason.ACCEPTABLE_OVER_UNACCEPTABLE),
                List.of(C, D, Ranking.Reason.ACCEPTABLE_OVER_UNACCEPTABLE),
                List.of(C, B, Ranking.Reason.ACCEPTABLE_OVER_UNACCEPTABLE));
    }

    @Test
    void jsonRoundTripAndBadInput() {
        Ranking r = new Ranking(List.of(new Ranking.Entry(A, 1, false), new Ranking.Entry(B, 1, true)));
        assertThat(Ranking.fromJson(r.toJson())).isEqualTo(r);
        assertThatThrownBy(() -> Ranking.fromJson(new io.vertx.core.json.JsonArray("[{\"message_id\":\"x\",\"rank\":1}]")))
                .hasMessage("message_id must be an answer id");
        assertThatThrownBy(() -> new Ranking(List.of(new Ranking.Entry(A, 0, false)))).hasMessageContaining("start at 1");
        assertThatThrownBy(() -> new Ranking(List.of(new Ranking.Entry(A, 1, false), new Ranking.Entry(A, 2, false))))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> r.requireCovers(List.of(A, B, C))).hasMessageContaining("exactly once");
    }
}
