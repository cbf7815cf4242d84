package ai.kaizen.server.chat;

import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.placeholder.CustomerValues;
import ai.kaizen.model.placeholder.PlaceholderFiller;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.account.Caller;
import ai.kaizen.server.company.CompanyProfiles;
import ai.kaizen.server.company.PlaceholderValues;
import ai.kaizen.server.comparison.Challengers;
import ai.kaizen.server.inference.Inference;
import ai.kaizen.server.inference.ModelSlot;
import ai.kaizen.server.inference.ServingModel;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * Makes the answers of a {@link Turn} and streams them as the model writes them: leases the serving model (and, for
 * a pair in an online comparison, the challenger), fits the conversation into each model's context on a worker
 * thread, queues the generation ({@link Inference}), fills the answer's {@code {{placeholders}}} as it streams
 * ({@link PlaceholderFiller}, with the company profile in force when the answer starts) and stores the answers as
 * they go ({@link AnswerStore}).
 *
 * <p>The stored answer keeps both texts: its content is what the model wrote, placeholders included (what datasets,
 * reviewers' ideal answers and so training are made of), and {@link Message#shown()} what the customer saw, which
 * their rating refers to and which the page shows when the conversation is opened again.
 */
final class AnswerGenerator {

    private final ModelSlot slot;
    private final Challengers challengers;
    private final Inference inference;
    private final AnswerStore store;
    private final CompanyProfiles company;
    private final AnswerOptions options;
    private final Random random = new SecureRandom();

    /**
     * Answers with the slot's model: each answer holds a lease, so a hot swap never closes a model mid-answer. The
     * second answer of a pair comes from {@code challengers}' model when it draws one (an online comparison).
     */
    AnswerGenerator(ModelSlot slot, Challengers challengers, Inference inference, AnswerStore store,
                    CompanyProfiles company, AnswerOptions options) {
        this.slot = slot;
        this.challengers = challengers;
        this.inference = inference;
        this.store = store;
        this.company = company;
        this.options = options;
    }

    /**
     * Whether a model is loaded and the queue has room; otherwise the stream has been told (503). Checked before
     * the conversation is read, so that a busy server turns messages away cheaply.
     */
    boolean ready(ChatStream out) {
        if (slot.current().isEmpty()) {
            out.error(503, "no model is loaded; an operator must configure one");
            return false;
        }
        if (!inference.hasRoom()) {
            out.error(503, Inference.Saturated.MESSAGE);
            return false;
        }
        return true;
    }

    /** Whether a turn's answers come as a pair, drawn with {@code probability}. */
    boolean drawPair(double probability) {
        return random.nextDouble() < probability;
    }

    /**
     * Who answers: the model of {@code lease}, answers {@code first} to {@code first + count - 1}, from
     * {@code prompt} (each model fits the conversation with its own tokenizer).
     */
    private record Arm(ModelSlot.Lease lease, ChatPrompt prompt, GenerationOptions options, int first, int count) {
        ServingModel model() {
            return lease.model();
        }
    }

    /** The prompt of each arm, and the values the customer gave in the conversation. */
    private record Fitted(List<Arm> arms, CustomerValues customer) {
    }

    /** Answers {@code turn}, streaming to {@code out}. */
    void answer(Context context, Caller caller, Turn turn, ChatStream out) {
        // The model current now, which may be newer than the one checked before (a hot swap in between); the lease
        // keeps it open until its answer is done.
        Optional<ModelSlot.Lease> leased = slot.acquire();
        if (leased.isEmpty()) {
            out.error(503, "no model is loaded; an operator must configure one");
            return;
        }
        int answers = turn.answers();
        Overrides o = turn.overrides();
        long seed = o.seed() != null ? o.seed() : random.nextLong() & Long.MAX_VALUE;
        // A pair may be an online comparison: its second answer then comes from the challenger.
        Optional<ModelSlot.Lease> challenger = answers == 2
                ? challengers.draw(leased.get().model().version(), random) : Optional.empty();
        List<ModelSlot.Lease> held = new ArrayList<>(List.of(leased.get()));
        challenger.ifPresent(held::add);
        int maxNewTokens = o.maxNewTokens() != null ? o.maxNewTokens() : options.maxNewTokens();
        List<ChatMessage> history = turn.history().stream()
                .map(m -> new ChatMessage(m.role().name(), m.content())).toList();
        // Read while the prompt is fitted: a profile saved on any instance applies from the next answer.
        Future<PlaceholderValues> placeholders = Future.fromCompletionStage(
                company.placeholders().toCompletionStage(), context);
        // Tokenizing and reading the customer's values grow with the conversation: on a worker thread, never on
        // the event loop.
        context.executeBlocking(() -> {
            List<Arm> arms = new ArrayList<>();
            for (int k = 0; k < held.size(); k++) {
                ServingModel model = held.get(k).model();
                int count = answers / held.size(); // every arm answers as many: both, or one each
                int first = k * count;
                ChatPrompt prompt = AnswerOptions.fit(model, maxNewTokens, turn.conversation().systemPrompt(),
                        history, turn.overflow());
                arms.add(new Arm(held.get(k), prompt, options.options(model, o, prompt.answerRoom(), seed + first),
                        first, count));
            }
            // The whole branch, not only what fits the model: a number given long ago is still the customer's.
            return new Fitted(arms, CustomerValues.of(history));
        }, false).onComplete(fitted -> placeholders.onComplete(values -> {
            if (fitted.failed()) {
                held.forEach(ModelSlot.Lease::close);
                if (fitted.cause() instanceof ContextWindow.TooLong tooLong) {
                    out.contextTooLong(tooLong.getMessage());
                } else {
                    out.fail(fitted.cause());
                }
                return;
            }
            if (values.failed()) {
                held.forEach(ModelSlot.Lease::close);
                out.fail(values.cause());
                return;
            }
            generate(context, caller, turn, fitted.result().arms(), seed,
                    fitted.result().customer().before(values.result()), out);
        }));
    }

    private void generate(Context context, Caller caller, Turn turn, List<Arm> arms, long seed,
                          UnaryOperator<String> placeholders, ChatStream out) {
        int answers = turn.answers();
        ChatPrompt prompt = arms.get(0).prompt();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < answers; i++) {
            ids.add(UUID.randomUUID());
        }
        // Blind A/B: which sequence is shown as A is random.
        List<UUID> sides = new ArrayList<>(ids);
        Collections.shuffle(sides, random);
        Optional<PairwiseComparison> pair = answers == 2 ? Optional.of(new PairwiseComparison(UUID.randomUUID(),
                turn.question().id(), sides.get(0), sides.get(1), caller.principal(), turn.pairwise()))
                : Optional.empty();

        JsonObject start = new JsonObject()
                .put("conversation_id", turn.conversation().id().toString())
                .put("user_message_id", turn.question().id().toString())
                .put("answers", new JsonArray(sides.stream().map(UUID::toString).toList()))
                .put("comparison_id", pair.map(p -> p.id().toString()).orElse(null))
                .put("dropped_messages", prompt.dropped())
                .put("message_cut", prompt.cut())
                .put("prompt_tokens", prompt.promptTokens());
        long started = System.nanoTime();
        long[] firstToken = new long[answers];
        // One per answer, each fed in order by the inference thread that generates it.
        List<PlaceholderFiller> fillers = new ArrayList<>();
        for (int i = 0; i < answers; i++) {
            fillers.add(new PlaceholderFiller(placeholders));
        }
        // Set when the model refused one arm after it took another, or the answers could not be stored: the
        // generations stop at their next token.
        AtomicBoolean abandoned = new AtomicBoolean();
        AnswerStore.Answers stored = store.answers(context, ids);
        StartWhenStored stream = new StartWhenStored(out);
        List<CompletableFuture<List<GenerationResult>>> generations = new ArrayList<>();
        for (Arm arm : arms) {
            CompletableFuture<List<GenerationResult>> generating = inference.generate(
                    new Inference.Request(arm.model(), Collections.nCopies(arm.count(), arm.prompt().promptIds()),
                            arm.options(), token -> {
                        int index = arm.first() + token.sequence();
                        if (firstToken[index] == 0) {
                            firstToken[index] = System.nanoTime();
                        }
                        String text = fillers.get(index).accept(token.text());
                        stored.add(index, token.text(), text);
                        if (!text.isEmpty()) {
                            UUID id = ids.get(index);
                            context.runOnContext(v -> stream.token(id, text));
                        }
                        return !out.isCancelled() && !abandoned.get();
                    }, () -> out.isCancelled() || abandoned.get(), Inference.Priority.CHAT, arm.prompt().messages()));
            // Returned on the inference thread as soon as the model is done, before the answer is stored.
            generating.whenComplete((results, failure) -> arm.lease().close());
            generations.add(generating);
        }
        if (generations.stream().anyMatch(CompletableFuture::isCompletedExceptionally)) {
            // Refused before anything was stored: the message leaves nothing behind.
            abandoned.set(true);
            out.error(503, Inference.Saturated.MESSAGE);
            return;
        }
        // The question and the answers are stored while the model answers; the answers are finished after it.
        List<Message> begun = new ArrayList<>();
        byte[] promptSha256 = Message.promptSha256(turn.conversation().systemPrompt(), turn.history());
        for (int i = 0; i < answers; i++) {
            Arm arm = arms.get(i / arms.get(0).count());
            begun.add(Message.started(ids.get(i), turn.conversation().id(), turn.question().id(),
                    arm.model().version(), AnswerOptions.sampling(arm.options(), seed + i).encode(),
                    arm.prompt().promptTokens(), promptSha256));
        }
        stored.begin(turn.asked(), turn.conversation().id(), begun, sides.get(0), pair)
                .onSuccess(saved -> stream.stored(start))
                .onFailure(e -> abandoned.set(true));
        CompletableFuture.allOf(generations.toArray(CompletableFuture[]::new))
                .thenApply(done -> generations.stream().flatMap(g -> g.join().stream()).toList())
                .whenComplete((results, failure) -> context.runOnContext(v -> {
                    if (failure != null) {
                        stored.interrupt().onComplete(saved -> out.fail(failure));
                        return;
                    }
                    // What a possible placeholder held back at the end, e.g. an unclosed {{...
                    for (int i = 0; i < ids.size(); i++) {
                        String rest = fillers.get(i).finish();
                        if (!rest.isEmpty()) {
                            stored.addShown(i, rest);
                            stream.token(ids.get(i), rest);
                        }
                    }
                    finish(arms, turn, seed, ids, results, started, firstToken, placeholders, stored, out);
                }));
    }

    private void finish(List<Arm> arms, Turn turn, long seed, List<UUID> ids, List<GenerationResult> results,
                        long started, long[] firstToken, UnaryOperator<String> placeholders, AnswerStore.Answers stored,
                        ChatStream out) {
        int latencyMs = (int) ((System.nanoTime() - started) / 1_000_000);
        List<Message> answers = new ArrayList<>();
        List<JsonObject> done = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            Arm arm = arms.get(i / arms.get(0).count());
            GenerationResult r = results.get(i);
            Integer ttft = firstToken[i] == 0 ? null : (int) ((firstToken[i] - started) / 1_000_000);
            String finish = AnswerOptions.finishReason(r.finishReason());
            // The same text as was streamed: the filler gives the same however the answer was cut into tokens.
            String shown = PlaceholderFiller.fillAll(r.text(), placeholders);
            answers.add(Message.answer(ids.get(i), turn.conversation().id(), turn.question().id(), r.text(),
                    new Message.Generation(arm.model().version(),
                            AnswerOptions.sampling(arm.options(), seed + i).encode(),
                            arm.prompt().promptTokens(), r.tokenIds().length, latencyMs, ttft, finish))
                    .shownAs(shown));
            done.add(new JsonObject()
                    .put("finish_reason", finish)
                    .put("completion_tokens", r.tokenIds().length)
                    .put("prompt_tokens", arm.prompt().promptTokens())
                    .put("latency_ms", latencyMs)
                    .put("first_token_ms", ttft)
                    .put("text", shown)
                    .put("model_version", arm.model().version()));
        }
        stored.finish(answers).onSuccess(x -> {
            for (int i = 0; i < ids.size(); i++) {
                out.done(ids.get(i), done.get(i).put("message_id", ids.get(i).toString()));
            }
            out.end();
        }).onFailure(out::fail);
    }
}
