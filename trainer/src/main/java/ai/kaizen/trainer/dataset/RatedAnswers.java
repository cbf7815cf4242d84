package ai.kaizen.trainer.dataset;

import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.Rating;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Demonstrations from well-rated answers. Each rater votes for or against an answer (see
 * {@link RaterVotes#approval}: thumbs when given, else stars against {@link DatasetParameters#sftMinStars()}); an
 * answer is a demonstration when the votes for it outnumber the votes against it. So one thumbs up is enough, a
 * rater's thumbs down cancels their own five stars, and when raters disagree the majority decides; a tie is left
 * out ({@code rating.split_vote}).
 */
public final class RatedAnswers implements FeedbackSource {

    @Override
    public String kind() {
        return "rating";
    }

    @Override
    public DatasetKind datasetKind() {
        return DatasetKind.SFT;
    }

    @Override
    public List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats) {
        List<Candidate> found = new ArrayList<>();
        for (Map.Entry<UUID, List<Rating>> e : snapshot.ratingsByAnswer().entrySet()) {
            Message answer = snapshot.message(e.getKey());
            if (answer.role() != Message.Author.assistant) {
                continue;
            }
            int votes = RaterVotes.approvals(e.getValue(), parameters.sftMinStars());
            if (votes > 0) {
                found.add(new Candidate(SftExample.of(snapshot.promptOf(answer.id()), answer.content(),
                        new Provenance(kind(), RaterVotes.ids(e.getValue()))), answer.parentId(), answer.id(), null,
                        null));
            } else if (votes < 0) {
                stats.add(kind() + ".disapproved");
            } else if (e.getValue().stream().anyMatch(r -> RaterVotes.approval(r, parameters.sftMinStars()) != 0)) {
                stats.add(kind() + ".split_vote");
            }
        }
        return found;
    }
}
