package ai.kaizen.trainer.dataset;

import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.Rating;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Answers labelled good or bad by the raters' votes of one kind (thumbs, stars), for the thumbs dataset (KTO's
 * desirable and undesirable answers): good when the votes for an answer outnumber those against, bad when fewer, no
 * label on a tie. One answer is one example.
 */
abstract sealed class AnswerLabels implements FeedbackSource permits ThumbsLabels, StarsLabels {

    @Override
    public final DatasetKind datasetKind() {
        return DatasetKind.THUMBS;
    }

    /** @return whether a rating votes here */
    abstract boolean votes(Rating rating);

    /**
     * @param ratings every rating of an answer
     * @return the statistic that says why another source labels the answer, or null to label it here
     */
    abstract String belongsElsewhere(List<Rating> ratings);

    /** @return the votes for an answer minus those against it */
    abstract int netVotes(List<Rating> voting, DatasetParameters parameters);

    /** @return the statistic of answers whose votes cancel out */
    abstract String tie();

    @Override
    public final List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats) {
        List<Candidate> found = new ArrayList<>();
        for (Map.Entry<UUID, List<Rating>> e : snapshot.ratingsByAnswer().entrySet()) {
            Message answer = snapshot.message(e.getKey());
            List<Rating> voting = e.getValue().stream().filter(this::votes).toList();
            if (answer.role() != Message.Author.assistant || voting.isEmpty()) {
                continue;
            }
            String elsewhere = belongsElsewhere(e.getValue());
            if (elsewhere != null) {
                stats.add(kind() + "." + elsewhere);
                continue;
            }
            int net = netVotes(voting, parameters);
            if (net == 0) {
                stats.add(kind() + "." + tie());
                continue;
            }
            found.add(new Candidate(new ThumbsExample(snapshot.promptOf(answer.id()), answer.content(), net > 0,
                    new Provenance(kind(), RaterVotes.ids(voting))), answer.parentId(), answer.id(), null,
                    net > 0 ? 1 : -1));
        }
        return found;
    }
}
