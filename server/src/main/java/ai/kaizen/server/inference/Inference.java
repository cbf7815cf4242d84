package ai.kaizen.server.inference;

import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.generation.TokenListener;
import ai.kaizen.model.tokenizer.ChatMessage;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Where answers are generated, off every event loop: {@link ContinuousBatching} (one decode loop per model) or
 * {@link InferenceQueue} (one generation per worker thread), as {@code inference.batching} says, for models that run
 * here; {@link OpenAiEngine} for models an external OpenAI-compatible engine serves ({@link ServingEngines} sends
 * each request to the one that serves its model). Both refuse work
 * at once when too much waits ({@link Saturated}), so that callers answer 503 instead of waiting without bound.
 */
public interface Inference {

    /** Too much work waits: try again later. */
    final class Saturated extends RuntimeException {
        private static final long serialVersionUID = 1L;
        /** What a refused caller is told. */
        public static final String MESSAGE = "the model is busy; try again in a few seconds";

        Saturated() {
            super(MESSAGE, null, false, false);
        }
    }

    /** The external engine that serves the model failed, refused or did not answer in time (the client gets 503). */
    final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    /** Who waits for the answer: users' chats come before background work (reviewers' candidates). */
    enum Priority { CHAT, BACKGROUND }

    /**
     * Answers to generate together: one per prompt, sequence {@code i} seeded with the options' {@code seed + i}.
     *
     * @param model     the model that answers (the caller holds a lease on it until the future completes)
     * @param prompts   prompt token ids, one per answer
     * @param options   sampling settings, stop strings and token budget of every answer of this request
     * @param listener  told each token as it is made, on the generating thread (keep it short); false stops
     *                  that answer
     * @param cancelled polled between decode steps: true ends every answer of the request at once
     * @param priority  chats first
     * @param messages  the conversation every prompt renders, for an external engine, which takes messages and
     *                  applies its own chat template (empty where the model runs here)
     */
    record Request(ServingModel model, List<int[]> prompts, GenerationOptions options, TokenListener listener,
                   BooleanSupplier cancelled, Priority priority, List<ChatMessage> messages) {
        public Request {
            prompts = List.copyOf(prompts);
            messages = List.copyOf(messages);
            if (prompts.isEmpty()) {
                throw new IllegalArgumentException("a request needs at least one prompt");
            }
        }

        /** A request for a model that runs here. */
        public Request(ServingModel model, List<int[]> prompts, GenerationOptions options, TokenListener listener,
                       BooleanSupplier cancelled, Priority priority) {
            this(model, prompts, options, listener, cancelled, priority, List.of());
        }
    }

    /**
     * Generates the request's answers.
     *
     * @return one result per prompt, in order; failed with {@link Saturated} at once when too much waits
     */
    CompletableFuture<List<GenerationResult>> generate(Request request);

    /** Whether a new chat would be accepted now (it may still be refused if others submit first). */
    boolean hasRoom();

    /** Lets running work finish (up to {@code seconds}), then stops it; refuses what still waits. */
    void close(long seconds);
}
