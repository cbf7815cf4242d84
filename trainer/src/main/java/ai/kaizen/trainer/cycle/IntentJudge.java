package ai.kaizen.trainer.cycle;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import ai.kaizen.trainer.dataset.PromptIntents;
import ai.kaizen.trainer.starter.IntentClassifier;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Whether an answer addresses what the customer asked, where that is known: a prompt carries an intent when its
 * last user message is one of the shipped Bitext customer messages (their intent is labelled; compared in lower
 * case with runs of white space made one). The answer's intent is what the starter model's judge, the naive Bayes
 * {@link IntentClassifier} over Bitext's answers, reads in it. Feedback from real users usually carries no intent;
 * the gate then skips this check and says so. Public because {@code kaizen simulate}'s customers judge answers
 * with it too, so that the simulator and the gate read intents the same way.
 */
public final class IntentJudge {

    /** How the gate's report explains where prompts' intents come from. */
    static final String SOURCE = "a prompt carries an intent when its last user message is a Bitext customer message";

    private final IntentClassifier classifier;
    private final PromptIntents intents;

    IntentJudge(IntentClassifier classifier, PromptIntents intents) {
        this.classifier = classifier;
        this.intents = intents;
    }

    /**
     * The judge over the Bitext files in {@code bitextDir}: the classifier trained on every detailed and canned
     * answer (additive smoothing 0.1, as the starter evaluation's), and every message's labelled intent (a message
     * labelled with two intents has none).
     */
    public static IntentJudge fromBitext(Path bitextDir) {
        List<LabelledRow> rows = PromptIntents.bitextRows(bitextDir);
        IntentClassifier classifier = IntentClassifier.train(rows.stream().map(LabelledRow::response).toList(),
                rows.stream().map(LabelledRow::intent).toList(), 0.1);
        return new IntentJudge(classifier, PromptIntents.of(rows));
    }

    /** The prompt's intent: that of its last user message, when it is a known customer message. */
    public Optional<String> intentOf(List<ChatMessage> prompt) {
        return intents.intentOf(prompt);
    }

    /** The intent the classifier reads in an answer. */
    public String intentOfAnswer(String answer) {
        return classifier.classify(answer);
    }
}
