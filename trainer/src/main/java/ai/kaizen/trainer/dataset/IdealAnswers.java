package ai.kaizen.trainer.dataset;

import ai.kaizen.db.chat.Message;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.db.review.ReviewWork;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Demonstrations from reviewers' ideal answers: the conversation up to the task's user message, then the answer
 * the reviewer wrote (a message of its own, so a recorded dataset rebuilds from it like from any answer). Each
 * reviewer's answer is an example; no stars threshold applies, a reviewer wrote it to be imitated. An answer whose
 * message is gone is counted ({@code ideal_answer.missing_message}) and left out.
 */
public final class IdealAnswers implements FeedbackSource {

    @Override
    public String kind() {
        return "ideal_answer";
    }

    @Override
    public DatasetKind datasetKind() {
        return DatasetKind.SFT;
    }

    @Override
    public List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats) {
        List<Candidate> found = new ArrayList<>();
        for (ReviewWork work : snapshot.reviews()) {
            if (work.task().kind() != ReviewTask.Kind.IDEAL || work.assignment().idealMessageId().isEmpty()) {
                continue;
            }
            UUID id = work.assignment().idealMessageId().get();
            if (!snapshot.contains(id)) {
                stats.add(kind() + ".missing_message");
                continue;
            }
            Message ideal = snapshot.message(id);
            UUID prompt = work.task().promptMessageId();
            found.add(new Candidate(SftExample.of(snapshot.promptEndingAt(prompt), ideal.content(),
                    new Provenance(kind(), List.of(String.valueOf(work.assignment().id())))), prompt, id, null, null));
        }
        return found;
    }
}
