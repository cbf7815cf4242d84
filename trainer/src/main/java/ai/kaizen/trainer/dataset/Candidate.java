package ai.kaizen.trainer.dataset;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * An example a {@link FeedbackSource} found, with the ids that let the builder record it and rebuild it later.
 *
 * @param example         the example, its provenance naming the source rows
 * @param promptMessageId the last message of the prompt (the user message answered)
 * @param answerId        the completion, or the chosen answer of a preference; null when it is not a message
 * @param otherAnswerId   the rejected answer of a preference, otherwise null
 * @param label           1 or -1 for a thumbs example, otherwise null
 */
public record Candidate(Example example, UUID promptMessageId, UUID answerId, UUID otherAnswerId, Integer label) {

    public Candidate {
        Objects.requireNonNull(example, "example");
    }

    public String sourceKind() {
        return example.provenance().kind();
    }

    public List<String> sourceIds() {
        return example.provenance().ids();
    }

    /** Dataset order: by source, then answer, then other answer, then source rows; the same at every build. */
    static int compare(Candidate a, Candidate b) {
        int c = a.sourceKind().compareTo(b.sourceKind());
        if (c == 0) {
            c = String.valueOf(a.answerId).compareTo(String.valueOf(b.answerId));
        }
        if (c == 0) {
            c = String.valueOf(a.otherAnswerId).compareTo(String.valueOf(b.otherAnswerId));
        }
        if (c == 0) {
            c = String.join(",", a.sourceIds()).compareTo(String.join(",", b.sourceIds()));
        }
        return c;
    }
}
