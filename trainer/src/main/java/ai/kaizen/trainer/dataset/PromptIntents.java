package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The intent of a request, where it is known: a prompt carries one when its last user message is a labelled
 * customer message (Bitext's, which simulated customers send too), compared in lower case with runs of white space
 * made one. A message labelled with two intents has none. Real users' messages usually carry none.
 */
public final class PromptIntents {

    /** Knows no intent. */
    public static final PromptIntents NONE = new PromptIntents(Map.of());

    private final Map<String, String> intentByMessage;

    /** @param intentByMessage intents by customer message, as written (normalised here) */
    public PromptIntents(Map<String, String> intentByMessage) {
        Map<String, String> normalised = new HashMap<>();
        intentByMessage.forEach((message, intent) -> normalised.putIfAbsent(normalise(message), intent));
        this.intentByMessage = Map.copyOf(normalised);
    }

    /** The labelled messages of the Bitext files in {@code bitextDir} ({@code detailed_responses.csv}, {@code canned_responses.csv}). */
    public static PromptIntents fromBitext(Path bitextDir) {
        return of(bitextRows(bitextDir));
    }

    /** Every labelled row of the Bitext files in {@code bitextDir}: the detailed ones, then the canned ones. */
    public static List<BitextImport.LabelledRow> bitextRows(Path bitextDir) {
        List<BitextImport.LabelledRow> rows = new ArrayList<>(
                BitextImport.labelledRows(bitextDir.resolve("detailed_responses.csv")));
        rows.addAll(BitextImport.labelledRows(bitextDir.resolve("canned_responses.csv")));
        return rows;
    }

    /** The intents of labelled rows' messages (a message labelled with two intents has none). */
    public static PromptIntents of(List<BitextImport.LabelledRow> rows) {
        Map<String, String> intents = new HashMap<>();
        Set<String> ambiguous = new HashSet<>();
        for (BitextImport.LabelledRow r : rows) {
            String known = intents.putIfAbsent(normalise(r.instruction()), r.intent());
            if (known != null && !known.equals(r.intent())) {
                ambiguous.add(normalise(r.instruction()));
            }
        }
        ambiguous.forEach(intents::remove);
        return new PromptIntents(intents);
    }

    /** @return how many messages have a known intent */
    public int size() {
        return intentByMessage.size();
    }

    /** The prompt's intent: that of its last user message, when it is a known message. */
    public Optional<String> intentOf(List<ChatMessage> prompt) {
        return lastUserMessage(prompt).map(m -> intentByMessage.get(normalise(m)));
    }

    /** The text of the prompt's last user message, if it has one. */
    public static Optional<String> lastUserMessage(List<ChatMessage> prompt) {
        for (int i = prompt.size() - 1; i >= 0; i--) {
            if (prompt.get(i).role().equals("user")) {
                return Optional.of(prompt.get(i).content());
            }
        }
        return Optional.empty();
    }

    private static String normalise(String text) {
        return text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }
}
