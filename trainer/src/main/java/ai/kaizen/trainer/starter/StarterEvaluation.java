package ai.kaizen.trainer.starter;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.placeholder.CustomerSlot;
import ai.kaizen.model.placeholder.CustomerValues;
import ai.kaizen.model.placeholder.PlaceholderFiller;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.sft.SftTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Measures a chat model on the held-out customer messages: the per-token loss of the reference
 * (detailed) answers, and how often its own greedy answer addresses the customer's intent, as an
 * {@link IntentClassifier} trained on the training split's answers judges it. The classifier's
 * accuracy on the held-out reference answers is reported beside it, as the ceiling of that judge.
 * The same messages are then asked in conversations: after earlier exchanges, inside a long message,
 * and as a follow-up to a turn that gave a value the answer must repeat, both as the model wrote it and as the
 * server shows it, with the values the customer gave filled into the answer's placeholders ({@link CustomerValues}).
 */
public final class StarterEvaluation {

    /**
     * One held-out message, its intent, and the model's answer.
     *
     * @param message the customer message
     * @param intent its labelled intent
     * @param answer the model's greedy answer
     * @param judgedIntent the intent the classifier reads in the answer
     */
    public record Sample(String message, String intent, String answer, String judgedIntent) {}

    /**
     * The numbers.
     *
     * @param heldOutMessages messages measured
     * @param evalLoss mean negative log-likelihood per reference-answer token, single exchanges
     * @param intentAccuracy share of the model's answers classified to the message's intent
     * @param classifierAccuracy share of reference answers classified to their intent
     * @param samples every answer, in held-out order
     * @param conversations the multi-turn numbers, or null when not measured
     */
    public record Result(int heldOutMessages, double evalLoss, double intentAccuracy, double classifierAccuracy,
            List<Sample> samples, Conversations conversations) {}

    /**
     * How the model does in conversations, on held-out messages.
     *
     * @param evalLoss mean loss per answer token over held-out conversations shaped as the training ones
     * @param laterTurnIntentAccuracy intent accuracy of the answer to a message that follows earlier exchanges
     * @param longMessageIntentAccuracy intent accuracy on messages wrapped in sentences of context (sentences
     *     chat tuning never saw)
     * @param carryOver share of follow-ups whose answer repeats the value the customer gave a turn earlier
     * @param carryOverWithSlots the same share once the server's slot filling has put the values the customer
     *     gave into the answer's placeholders (what the customer sees)
     * @param carryOverProbes follow-ups measured
     * @param placeholderShare share of single-exchange answers with a raw {@code {{...}}} placeholder (the server
     *     fills them; this is the model's own output)
     * @param samples a few answers of each kind
     */
    public record Conversations(double evalLoss, double laterTurnIntentAccuracy, double longMessageIntentAccuracy,
            double carryOver, double carryOverWithSlots, int carryOverProbes, double placeholderShare,
            List<ConversationSample> samples) {}

    /**
     * One multi-turn answer.
     *
     * @param kind {@code later-turn}, {@code long-message} or {@code carry-over}
     * @param conversation the messages before the answer
     * @param answer the model's greedy answer
     * @param shown the answer with its placeholders filled as the server fills them without a company profile (the
     *     customer's values from the conversation, neutral phrases for the rest of theirs, names for the company's)
     * @param expected what it should address or contain (an intent, or the value given earlier)
     * @param ok whether it did (for carry-over: the model's own answer)
     */
    public record ConversationSample(String kind, List<ChatMessage> conversation, String answer, String shown,
            String expected, boolean ok) {}

    private StarterEvaluation() {
    }

    /**
     * @param data the data (and its held-out split)
     * @return the judge: naive Bayes over the training split's detailed and canned answers
     */
    public static IntentClassifier classifier(StarterData data) {
        List<String> texts = new ArrayList<>();
        List<String> intents = new ArrayList<>();
        for (LabelledRow r : data.trainDetailed()) {
            texts.add(r.response());
            intents.add(r.intent());
        }
        for (LabelledRow r : data.trainCanned()) {
            texts.add(r.response());
            intents.add(r.intent());
        }
        return IntentClassifier.train(texts, intents, 0.1);
    }

    /**
     * @param model the chat model
     * @param data the data
     * @param limit most held-out messages to answer (all with a non-positive limit); the loss
     *     always covers them all
     * @param maxNewTokens the longest answer
     * @return the numbers
     */
    public static Result evaluate(LanguageModel model, StarterData data, int limit, int maxNewTokens) {
        IntentClassifier judge = classifier(data);
        List<LabelledRow> heldOut = data.heldOutDetailed();
        int reference = 0;
        for (LabelledRow r : heldOut) {
            reference += judge.classify(r.response()).equals(r.intent()) ? 1 : 0;
        }
        double loss = evalLoss(model, data.heldOutChat());
        List<LabelledRow> answered = limit > 0 && limit < heldOut.size() ? heldOut.subList(0, limit) : heldOut;
        GenerationOptions greedy = GenerationOptions.builder(model.generationConfig()).doSample(false)
                .repetitionPenalty(1.0).maxNewTokens(maxNewTokens).build();
        List<Sample> samples = new ArrayList<>();
        int hits = 0;
        for (LabelledRow r : answered) {
            String answer = answer(model, r.instruction(), greedy);
            String judged = judge.classify(answer);
            hits += judged.equals(r.intent()) ? 1 : 0;
            samples.add(new Sample(r.instruction(), r.intent(), answer, judged));
        }
        long placeholders = samples.stream().filter(x -> StarterRecipe.PLACEHOLDER.matcher(x.answer()).find()).count();
        Conversations conversations = conversations(model, data, judge, answered, greedy,
                samples.isEmpty() ? Double.NaN : placeholders / (double) samples.size());
        return new Result(heldOut.size(), loss, answered.isEmpty() ? Double.NaN : hits / (double) answered.size(),
                heldOut.isEmpty() ? Double.NaN : reference / (double) heldOut.size(), samples, conversations);
    }

    /** Samples of each multi-turn kind kept in the result. */
    private static final int SAMPLES_PER_KIND = 5;

    /**
     * The multi-turn measurements: each held-out message answered after one to three other held-out exchanges
     * (their reference answers as the assistant's turns), each wrapped in a long message, and each that carries a
     * value as a follow-up to the turn that gave it.
     */
    static Conversations conversations(LanguageModel model, StarterData data, IntentClassifier judge,
            List<LabelledRow> answered, GenerationOptions greedy, double placeholderShare) {
        List<LabelledRow> heldOut = data.heldOutDetailed();
        double loss = evalLoss(model, StarterRecipe.conversations(model, StarterRecipe.SHAPE.context())
                .heldOut(heldOut, StarterRecipe.SEED));
        Random random = new Random(StarterRecipe.SEED);
        List<ConversationSample> samples = new ArrayList<>();
        int later = 0;
        int longHits = 0;
        int carried = 0;
        int carriedWithSlots = 0;
        int probes = 0;
        for (LabelledRow r : answered) {
            List<ChatMessage> before = new ArrayList<>();
            before.add(ChatMessage.system(StarterData.SYSTEM_PROMPT));
            int earlier = 1 + random.nextInt(3);
            for (int i = 0; i < earlier; i++) {
                LabelledRow other = heldOut.get(random.nextInt(heldOut.size()));
                before.add(ChatMessage.user(other.instruction()));
                before.add(ChatMessage.assistant(other.response()));
            }
            before.add(ChatMessage.user(r.instruction()));
            later += judged(model, judge, before, r.intent(), greedy, "later-turn", samples) ? 1 : 0;

            List<ChatMessage> wrapped = List.of(ChatMessage.system(StarterData.SYSTEM_PROMPT),
                    ChatMessage.user(StarterConversations.longMessage(r.instruction(), random, true)));
            longHits += judged(model, judge, wrapped, r.intent(), greedy, "long-message", samples) ? 1 : 0;

            if (CustomerFacts.carriesValue(r)) {
                CustomerFacts.CarryOver c = CustomerFacts.carryOver(r, random, true);
                List<ChatMessage> turns = List.of(ChatMessage.system(StarterData.SYSTEM_PROMPT),
                        ChatMessage.user(c.fact()), ChatMessage.assistant(c.shownAcknowledgement()),
                        ChatMessage.user(c.request()));
                String answer = answer(model, turns, greedy);
                String shown = shown(answer, turns);
                boolean ok = contains(answer, c.value());
                carried += ok ? 1 : 0;
                carriedWithSlots += contains(shown, c.value()) ? 1 : 0;
                probes++;
                keep(samples, new ConversationSample("carry-over", turns, answer, shown, c.value(), ok));
            }
        }
        double n = answered.size();
        return new Conversations(loss, answered.isEmpty() ? Double.NaN : later / n,
                answered.isEmpty() ? Double.NaN : longHits / n, probes == 0 ? Double.NaN : carried / (double) probes,
                probes == 0 ? Double.NaN : carriedWithSlots / (double) probes, probes, placeholderShare, samples);
    }

    /**
     * The answer as the server shows it without a company profile: the values the customer gave in the conversation
     * in their placeholders, a neutral phrase for the customer's values they did not give, and the company's
     * placeholders as their names (the server fills those from the company profile).
     *
     * @param answer the model's answer
     * @param conversation the messages it answers
     * @return the filled answer
     */
    static String shown(String answer, List<ChatMessage> conversation) {
        UnaryOperator<String> neutral = name -> CustomerSlot.neutralPhrase(name).orElse(name);
        return PlaceholderFiller.fillAll(answer, CustomerValues.of(conversation).before(neutral));
    }

    private static boolean contains(String answer, String value) {
        return answer.toLowerCase(Locale.ROOT).contains(value.toLowerCase(Locale.ROOT));
    }

    private static boolean judged(LanguageModel model, IntentClassifier judge, List<ChatMessage> conversation,
            String intent, GenerationOptions greedy, String kind, List<ConversationSample> samples) {
        String answer = answer(model, conversation, greedy);
        boolean ok = judge.classify(answer).equals(intent);
        keep(samples, new ConversationSample(kind, conversation, answer, shown(answer, conversation), intent, ok));
        return ok;
    }

    private static void keep(List<ConversationSample> samples, ConversationSample sample) {
        if (samples.stream().filter(x -> x.kind().equals(sample.kind())).count() < SAMPLES_PER_KIND) {
            samples.add(sample);
        }
    }

    /**
     * The model's answer to a conversation.
     *
     * @param model the chat model
     * @param conversation the messages, the last one the customer's
     * @param options generation options
     * @return the answer text
     */
    public static String answer(LanguageModel model, List<ChatMessage> conversation, GenerationOptions options) {
        return model.generator().chat(conversation, options, token -> true).text().strip();
    }

    /**
     * The model's answer to one customer message, with the server's default system prompt.
     *
     * @param model the chat model
     * @param message the customer message
     * @param options generation options
     * @return the answer text
     */
    public static String answer(LanguageModel model, String message, GenerationOptions options) {
        return answer(model, List.of(ChatMessage.system(StarterData.SYSTEM_PROMPT), ChatMessage.user(message)),
                options);
    }

    /** Mean loss per answer token (the chat-tuning loss) over examples, without gradients. */
    static double evalLoss(LanguageModel model, List<SftExample> examples) {
        // the SFT trainer's own evaluation, so the number is the one chat tuning reports
        try (SftTrainer trainer = new SftTrainer(StarterRecipe.chatDefaults(model.directory(), 1), model)) {
            return trainer.evaluate(trainer.tokenize(examples));
        }
    }
}
