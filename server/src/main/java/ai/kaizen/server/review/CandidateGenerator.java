package ai.kaizen.server.review;

import ai.kaizen.server.http.OwnContext;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.review.PromptToReview;
import ai.kaizen.db.review.ReviewRepository;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.server.inference.Inference;
import ai.kaizen.server.inference.ModelSlot;
import ai.kaizen.server.inference.ServingModel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps the review queues filled in the background (ideal-answer and label tasks need no model and are made too), so that a reviewer never waits for the model: while fewer
 * than {@code review.buffer} ranking tasks have a free place, it picks the next user message to review (disliked
 * answers first, then uncertain ones, then random traffic), samples K-1 new answers from the serving model (one
 * batch, a different seed per answer) beside the answer the user saw, and stores them with the task.
 *
 * <p>It uses the chat's {@link Inference}, one task at a time, only when it has room and at background priority:
 * users' chats come first. It runs on a timer; the model work runs on the model's threads and the database work is asynchronous, so
 * nothing blocks an event loop.
 */
public final class CandidateGenerator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CandidateGenerator.class);

    private final Vertx vertx;
    private final ModelSlot serving;
    private final Inference queue;
    private final CandidateSampler sampler;
    private final ReviewRepository reviews;
    private final ReviewSettings settings;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean closed;
    /** Prompts that cannot become tasks (too long for the model): not tried again by this process. */
    private final Set<UUID> unusable = ConcurrentHashMap.newKeySet();
    private final Random random = new SecureRandom();
    private long timer = -1;

    public CandidateGenerator(Vertx vertx, ModelSlot serving, Inference queue,
                              CandidateSampler sampler, ReviewRepository reviews, ReviewSettings settings) {
        this.vertx = vertx;
        this.serving = serving;
        this.queue = queue;
        this.sampler = sampler;
        this.reviews = reviews;
        this.settings = settings;
    }

    /** Checks the buffer every {@code periodMs} (and at once). */
    public CandidateGenerator start(long periodMs) {
        if (settings.buffer() > 0) {
            timer = OwnContext.periodic(vertx, 0, periodMs, this::fill);
        }
        return this;
    }

    /** Tops the buffer up, one task after another, unless a fill is already under way. */
    void fill() {
        if (closed || !running.compareAndSet(false, true)) {
            return;
        }
        fillOne().onComplete(made -> {
            running.set(false);
            if (made.failed() && !closed) {
                log.warn("review candidates: {}", made.cause().getMessage());
            } else if (made.result()) {
                vertx.runOnContext(v -> fill());
            }
        });
    }

    /** Makes one task of each kind whose buffer needs one (ranking only when the model has room); whether it did. */
    private Future<Boolean> fillOne() {
        return fillWithoutModel(ReviewTask.Kind.IDEAL)
                .compose(ideal -> fillWithoutModel(ReviewTask.Kind.LABEL).map(label -> ideal || label))
                .compose(others -> fillRank().map(rank -> others || rank));
    }

    /**
     * Ideal-answer and label tasks need no model: they are about the answer the user saw (the one to start from,
     * the one to label). Disliked and uncertain answers come first, as in the ranking queue.
     */
    private Future<Boolean> fillWithoutModel(ReviewTask.Kind kind) {
        return Future.fromCompletionStage(reviews.openTasks(kind))
                .compose(open -> open >= settings.buffer() ? Future.succeededFuture(false)
                        : Future.fromCompletionStage(reviews.promptsToReview(kind, 1))
                        .compose(prompts -> prompts.stream().filter(p -> p.shownAnswerId() != null).findFirst()
                                .map(p -> Future.fromCompletionStage(reviews.createTask(new ReviewTask(UUID.randomUUID(),
                                        kind, p.promptMessageId(), List.of(p.shownAnswerId()),
                                        p.priority(), settings.overlap()), List.of())).map(task -> true))
                                .orElse(Future.succeededFuture(false))));
    }

    private Future<Boolean> fillRank() {
        return Future.fromCompletionStage(reviews.openTasks(ReviewTask.Kind.RANK))
                .compose(open -> {
                    if (open >= settings.buffer() || serving.current().isEmpty() || !queue.hasRoom()) {
                        return Future.succeededFuture(false);
                    }
                    return Future.fromCompletionStage(reviews.promptsToReview(ReviewTask.Kind.RANK,
                                    unusable.size() + 1))
                            .compose(prompts -> prompts.stream().filter(p -> !unusable.contains(p.promptMessageId()))
                                    .findFirst().map(this::makeTask).orElse(Future.succeededFuture(false)));
                });
    }

    private Future<Boolean> makeTask(PromptToReview prompt) {
        // a lease, so that a promotion in the meantime lets these answers finish on the model that started them
        Optional<ModelSlot.Lease> leased = serving.acquire();
        if (leased.isEmpty()) {
            return Future.succeededFuture(false);
        }
        ModelSlot.Lease lease = leased.get();
        try {
            return makeTask(prompt, lease.model()).onComplete(done -> lease.close());
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    private Future<Boolean> makeTask(PromptToReview prompt, ServingModel model) {
        int fresh = settings.candidates() - (prompt.shownAnswerId() == null ? 0 : 1);
        List<UUID> shown = prompt.shownAnswerId() == null ? List.of() : List.of(prompt.shownAnswerId());
        return Future.fromCompletionStage(reviews.context(prompt.promptMessageId(), shown))
                .compose(context -> Future.fromCompletionStage(sampler.sample(vertx.getOrCreateContext(), model, context.conversation(),
                                context.history(), fresh, random.nextLong() & Long.MAX_VALUE))
                        .recover(e -> {
                            Throwable cause = e instanceof java.util.concurrent.CompletionException
                                    && e.getCause() != null ? e.getCause() : e;
                            if (cause instanceof IllegalArgumentException) {
                                // too long for the model: it never will fit; do not try it again
                                unusable.add(prompt.promptMessageId());
                            }
                            return Future.failedFuture(cause);
                        }))
                .compose(candidates -> {
                    List<UUID> order = new ArrayList<>(shown);
                    candidates.stream().map(Message::id).forEach(order::add);
                    // shown in random order, so that the user's answer is not always in the same place
                    Collections.shuffle(order, random);
                    return Future.fromCompletionStage(reviews.createTask(new ReviewTask(UUID.randomUUID(),
                            ReviewTask.Kind.RANK, prompt.promptMessageId(), order, prompt.priority(),
                            settings.overlap()), candidates));
                })
                .map(task -> {
                    log.debug("review task {} ({}) ready", task.id(), task.priority());
                    return true;
                });
    }

    @Override
    public void close() {
        closed = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
