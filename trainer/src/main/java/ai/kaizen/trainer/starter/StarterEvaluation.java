package ai.kaizen.trainer.starter;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.sft.SftTrainer;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures a chat model on the held-out customer messages: the per-token loss of the reference
 * (detailed) answers, and how often its own greedy answer addresses the customer's intent, as an
 * {@link IntentClassifier} trained on the training split's answers judges it. The classifier's
 * accuracy on the held-out reference answers is reported beside it, as the ceiling of that judge.
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
     * @param evalLoss mean negative log-likelihood per reference-answer token
     * @param intentAccuracy share of the model's answers classified to the message's intent
     * @param classifierAccuracy share of reference answers classified to their intent
     * @param samples every answer, in held-out order
     */
    public record Result(int heldOutMessages, double evalLoss, double intentAccuracy, double classifierAccuracy,
            List<Sample> samples) {}

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
        return new Result(heldOut.size(), loss, answered.isEmpty() ? Double.NaN : hits / (double) answered.size(),
                heldOut.isEmpty() ? Double.NaN : reference / (double) heldOut.size(), samples);
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
        GenerationResult result = model.generator().chat(List.of(ChatMessage.system(StarterData.SYSTEM_PROMPT),
                ChatMessage.user(message)), options, token -> true);
        return result.text().strip();
    }

    /** Mean loss per answer token (the chat-tuning loss) over examples, without gradients. */
    static double evalLoss(LanguageModel model, List<SftExample> examples) {
        // the SFT trainer's own evaluation, so the number is the one chat tuning reports
        try (SftTrainer trainer = new SftTrainer(StarterRecipe.chatDefaults(model.directory(), 1), model)) {
            return trainer.evaluate(trainer.tokenize(examples));
        }
    }
}
