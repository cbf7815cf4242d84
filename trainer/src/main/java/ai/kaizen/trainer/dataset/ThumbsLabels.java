package ai.kaizen.trainer.dataset;

import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.Rating;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Answers labelled by their thumbs: good when more raters gave thumbs up than down, bad when fewer; as many of
 * each is no label ({@code rating.tied}). Stars do not count here: an answer with thumbs is judged on the explicit
 * verdicts alone, and answers with stars only are {@link StarsLabels}'s.
 */
public final class ThumbsLabels implements FeedbackSource {

    @Override
    public String kind() {
        return "rating";
    }

    @Override
    public DatasetKind datasetKind() {
        return DatasetKind.THUMBS;
    }

    @Override
    public List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats) {
        List<Candidate> found = new ArrayList<>();
        for (Map.Entry<UUID, List<Rating>> e : snapshot.ratingsByAnswer().entrySet()) {
            Message answer = snapshot.message(e.getKey());
            List<Rating> withThumbs = e.getValue().stream().filter(r -> r.thumbs() != null).toList();
            if (answer.role() != Message.Author.assistant || withThumbs.isEmpty()) {
                continue;
            }
            int net = RaterVotes.netThumbs(withThumbs);
            if (net == 0) {
                stats.add(kind() + ".tied");
                continue;
            }
            found.add(new Candidate(new ThumbsExample(snapshot.promptOf(answer.id()), answer.content(), net > 0,
                    new Provenance(kind(), RaterVotes.ids(withThumbs))), answer.parentId(), answer.id(), null,
                    net > 0 ? 1 : -1));
        }
        return found;
    }
}
