package ai.kaizen.server.chat;

import ai.kaizen.model.generation.FinishReason;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.Generator;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.inference.ServingModel;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * How an answer is made from the configuration: the prompt fitted into the model's context, the sampling settings
 * (with a caller's overrides), what a stored answer records of them, and the finish reason it is stored with. The
 * chat's answers and the reviewers' candidate answers are made alike.
 */
public final class AnswerOptions {

    private final ChatSettings settings;

    public AnswerOptions(ChatSettings settings) {
        this.settings = settings;
    }

    /** The configured longest answer, in tokens. */
    public int maxNewTokens() {
        return settings.maxNewTokens();
    }

    /**
     * The prompt {@code model} sees for answers of at most {@code maxNewTokens}: tokenizing grows with the
     * conversation, so call it on a worker thread, never an event loop.
     *
     * @throws ContextWindow.TooLong when the conversation cannot fit ({@link ContextWindow.Overflow#REFUSE})
     */
    public static ChatPrompt fit(ServingModel model, int maxNewTokens, String systemPrompt, List<ChatMessage> history,
                                 ContextWindow.Overflow overflow) {
        return new ContextWindow(PromptTokenizer.of(model.tokenizer()),
                model.contextSize(), maxNewTokens)
                .fit(systemPrompt, history, overflow);
    }

    /**
     * The configured sampling settings, with the caller's overrides, for answers of at most {@code answerRoom}
     * tokens, seeded with {@code seed}.
     */
    public GenerationOptions options(ServingModel model, Overrides o, int answerRoom, long seed) {
        return GenerationOptions.builder(model.generationConfig())
                .maxNewTokens(answerRoom)
                .doSample(true)
                .temperature(o.temperature() != null ? o.temperature() : settings.temperature())
                .topP(o.topP() != null ? o.topP() : settings.topP())
                .topK(settings.topK())
                .repetitionPenalty(settings.repetitionPenalty())
                .stopStrings(stopStrings(model, o.stop()))
                .seed(seed)
                .build();
    }

    /** What every stored answer records of how it was sampled ({@code message.sampling}). */
    public static JsonObject sampling(GenerationOptions options, long seed) {
        return new JsonObject()
                .put("temperature", options.temperature())
                .put("top_p", options.topP())
                .put("top_k", options.topK())
                .put("repetition_penalty", options.repetitionPenalty())
                .put("max_new_tokens", options.maxNewTokens())
                .put("seed", seed);
    }

    /** The caller's stop strings, plus the end-of-turn markers when the model has no template of its own. */
    private static List<String> stopStrings(ServingModel model, List<String> requested) {
        // an external engine applies its own template, and its own stops
        if (model.engine().isPresent() || !model.tokenizer().chatTemplate().isFallback()) {
            return requested;
        }
        List<String> stops = new ArrayList<>(requested);
        stops.addAll(Generator.FALLBACK_STOPS);
        return stops;
    }

    /** The finish reason a stored answer records (and the API reports). */
    public static String finishReason(FinishReason reason) {
        return switch (reason) {
            case EOS, STOP_STRING -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
    }
}
