package ai.kaizen.trainer.dataset;

import ai.kaizen.db.dataset.DatasetItem;

import java.util.List;

/**
 * One kind of feedback turned into examples of one dataset kind: rated answers into demonstrations, pairwise
 * choices into preferences, and so on. The {@link DatasetBuilder} asks every source of the kind it builds; a new kind
 * of feedback (reviewers' rankings and ideal answers, when their tables arrive) is a new source, and nothing else
 * changes.
 */
public interface FeedbackSource {

    /** The name recorded in {@code dataset_item.source_kind} and in {@link Provenance#kind()}; unique per dataset kind. */
    String kind();

    /** The dataset this source feeds. */
    DatasetKind datasetKind();

    /**
     * The examples this source finds in the snapshot, in any order (the builder sorts them). What it counts but
     * leaves out goes into {@code stats} under {@code kind() + "." + reason}.
     */
    List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats);

    /**
     * Rebuilds a recorded example from the messages it names. The default reads the prompt from
     * {@code prompt_message_id} and the answers' text from their messages, which suits every source whose answers are
     * stored messages; a source whose completions live elsewhere (ideal answers) overrides it.
     */
    default Example restore(DatasetItem item, FeedbackSnapshot snapshot) {
        Provenance provenance = new Provenance(item.sourceKind(), item.sourceIds());
        var prompt = item.promptMessageId() == null ? java.util.List.<ai.kaizen.model.tokenizer.ChatMessage>of()
                : snapshot.promptEndingAt(item.promptMessageId());
        String answer = snapshot.message(item.answerId()).content();
        return switch (datasetKind()) {
            case SFT -> SftExample.of(prompt, answer, provenance);
            case PREFERENCE -> new PreferenceExample(prompt, answer,
                    snapshot.message(item.otherAnswerId()).content(), provenance);
            case THUMBS -> new ThumbsExample(prompt, answer, item.label() != null && item.label() > 0, provenance);
        };
    }
}
