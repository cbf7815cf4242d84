package ai.kaizen.server.chat;

import ai.kaizen.db.chat.AnswerRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.chat.Question;
import ai.kaizen.db.feedback.PairwiseComparison;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Stores answers while they are generated ({@link AnswerRepository}). An answer's row is written when its generation
 * starts, as {@link Message#INTERRUPTED}, together with the pair it belongs to: the ids the client gets in the
 * {@code start} event name stored answers from then on, so a crash of this process leaves an answer that can be
 * rated and chosen, not a 404. While it streams, its text so far is saved every {@code chat.progress-save-ms} (only
 * when it grew, and never two writes of one turn at once): a crash loses at most that much of what the customer saw,
 * and an answer costs two writes (start and finish) plus one per interval it runs longer than that, rather than a
 * write per token. When generation ends the answer is finished with its text and all that produced it; when it fails
 * the text so far is saved and the answer stays interrupted.
 */
final class AnswerStore {

    private static final Logger log = LoggerFactory.getLogger(AnswerStore.class);

    private final AnswerRepository answers;
    private final long progressSaveMs;

    AnswerStore(AnswerRepository answers, long progressSaveMs) {
        this.answers = answers;
        this.progressSaveMs = progressSaveMs;
    }

    /** Answers {@code ids} of one turn, to be written from {@code context} (the request's) once they {@link Answers#begin}. */
    Answers answers(Context context, List<UUID> ids) {
        return new Answers(context, ids);
    }

    /** The answers of one turn while they are written: their text so far, and the writes that store it. */
    final class Answers {
        private final Context context;
        private final List<UUID> ids;
        private final StringBuilder[] content;
        private final StringBuilder[] shown;
        private final int[] tokens;
        private boolean grown;
        /** The newest write: each waits for the one before, so they reach the database in order. */
        private Future<Void> writes;
        private long timer = -1;

        private Answers(Context context, List<UUID> ids) {
            this.context = context;
            this.ids = ids;
            content = new StringBuilder[ids.size()];
            shown = new StringBuilder[ids.size()];
            tokens = new int[ids.size()];
            for (int i = 0; i < ids.size(); i++) {
                content[i] = new StringBuilder();
                shown[i] = new StringBuilder();
            }
        }

        /**
         * Stores the answers with {@code question} (what is new of the question they answer): {@code started}
         * ({@link Message#started}, in the order of the ids), {@code pair} when they are two, and {@code shown} as the
         * conversation's visible leaf; then saves their text as it grows. Call on the context.
         *
         * @return the write, which fails when the answers could not be stored
         */
        Future<Void> begin(Question question, UUID conversationId, List<Message> started, UUID shown,
                           Optional<PairwiseComparison> pair) {
            writes = Future.fromCompletionStage(answers.start(question, conversationId, started, shown, pair), context);
            timer = context.owner().setPeriodic(progressSaveMs, id -> saveProgress());
            return writes;
        }

        /**
         * One more token of answer {@code index}: {@code text} as the model wrote it, {@code shownText} what the
         * customer was sent of it. Called by the inference thread that generates the answer.
         */
        synchronized void add(int index, String text, String shownText) {
            content[index].append(text);
            shown[index].append(shownText);
            tokens[index]++;
            grown = true;
        }

        /** What the customer was sent at the very end (a possible placeholder held back until then). */
        synchronized void addShown(int index, String shownText) {
            shown[index].append(shownText);
            grown = true;
        }

        private synchronized List<AnswerRepository.Progress> progress() {
            grown = false;
            List<AnswerRepository.Progress> progress = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                progress.add(new AnswerRepository.Progress(ids.get(i), content[i].toString(), shown[i].toString(),
                        tokens[i]));
            }
            return progress;
        }

        private synchronized boolean grown() {
            return grown;
        }

        /** Saves the text so far when it grew and no write is under way; a failure only costs this save. */
        private void saveProgress() {
            if (!writes.isComplete() || writes.failed() || !grown()) {
                return;
            }
            List<AnswerRepository.Progress> progress = progress();
            writes = writes.compose(done -> Future.fromCompletionStage(answers.saveProgress(progress), context)
                    .recover(e -> {
                        log.warn("could not save the text of answers {} so far: {}", ids, e.getMessage());
                        return Future.succeededFuture();
                    }));
        }

        /** Finishes the answers (as {@link Message#answer} built them), after the writes before. */
        Future<Void> finish(List<Message> finished) {
            context.owner().cancelTimer(timer);
            writes = writes.compose(done -> Future.fromCompletionStage(answers.finish(finished), context));
            return writes;
        }

        /** Generation failed: the answers keep the text so far and stay interrupted. */
        Future<Void> interrupt() {
            context.owner().cancelTimer(timer);
            List<AnswerRepository.Progress> progress = progress();
            writes = writes.compose(done -> Future.fromCompletionStage(answers.saveProgress(progress), context));
            return writes;
        }
    }
}
