package ai.kaizen.trainer.starter;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.dataset.SftExample;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The starter model's training and evaluation material, cut from the corpus by the held-out split:
 * no held-out customer message (nor its answers) reaches the tokenizer, pretraining or chat tuning.
 *
 * @param corpus the shipped text
 * @param split the held-out customer messages
 */
public record StarterData(StarterCorpus corpus, HeldOutSplit split) {

    /**
     * The system prompt half of the chat examples carry: the server's default
     * ({@code chat.system-prompt}), so the served format is one the model was tuned on; the other
     * half have none, as {@code kaizen generate} and API callers without one send.
     */
    public static final String SYSTEM_PROMPT =
            "You are a helpful, friendly customer-service assistant. Answer briefly and politely.";

    /** Share of each intent's customer messages held out. */
    public static final double HELD_OUT_FRACTION = 0.1;

    /**
     * @param corpus the corpus
     * @param seed the seed of the held-out draw
     * @return the data, 10% of each intent's messages held out
     */
    public static StarterData of(StarterCorpus corpus, long seed) {
        List<LabelledRow> all = new ArrayList<>(corpus.detailed());
        all.addAll(corpus.canned());
        return new StarterData(corpus, HeldOutSplit.of(all, HELD_OUT_FRACTION, seed));
    }

    /** @return the detailed exchanges of training messages (first row per message) */
    public List<LabelledRow> trainDetailed() {
        return firstPerMessage(corpus.detailed(), r -> !split.isHeldOut(r.instruction()));
    }

    /** @return the detailed exchanges of held-out messages (first row per message): the evaluation set */
    public List<LabelledRow> heldOutDetailed() {
        return firstPerMessage(corpus.detailed(), r -> split.isHeldOut(r.instruction()));
    }

    /** @return the canned exchanges of training messages */
    public List<LabelledRow> trainCanned() {
        return corpus.canned().stream().filter(r -> !split.isHeldOut(r.instruction())).toList();
    }

    private static List<LabelledRow> firstPerMessage(List<LabelledRow> rows, Predicate<LabelledRow> keep) {
        Map<String, LabelledRow> out = new LinkedHashMap<>();
        for (LabelledRow r : rows) {
            if (keep.test(r)) {
                out.putIfAbsent(r.instruction(), r);
            }
        }
        return List.copyOf(out.values());
    }

    /**
     * Plain-text documents for pretraining, shuffled with the seed: each training message with its
     * detailed answer, each canned answer once (there are 27; repeating them per row would teach
     * little but them), the training messages only found in the canned file, and every
     * Taskmaster-4 dialog as its turns, one per line.
     *
     * @param seed the shuffle's seed
     * @return the documents
     */
    public List<String> pretrainingDocuments(long seed) {
        List<String> docs = new ArrayList<>();
        Set<String> detailedMessages = new LinkedHashSet<>();
        for (LabelledRow r : trainDetailed()) {
            docs.add(exchange(r));
            detailedMessages.add(r.instruction());
        }
        Set<String> cannedAnswers = new LinkedHashSet<>();
        Set<String> cannedMessages = new LinkedHashSet<>();
        for (LabelledRow r : trainCanned()) {
            cannedAnswers.add(r.response());
            if (!detailedMessages.contains(r.instruction())) {
                cannedMessages.add(r.instruction());
            }
        }
        docs.addAll(cannedAnswers);
        docs.addAll(cannedMessages);
        for (List<String> dialog : corpus.dialogs()) {
            docs.add(String.join("\n", dialog));
        }
        Collections.shuffle(docs, new Random(seed));
        return docs;
    }

    /** @return the held-out exchanges as plain-text documents, for the pretraining eval loss */
    public List<String> heldOutDocuments() {
        return heldOutDetailed().stream().map(StarterData::exchange).toList();
    }

    /** A message and its answer as plain text, in the order a chat has them. */
    private static String exchange(LabelledRow r) {
        return r.instruction() + "\n\n" + r.response();
    }

    /** @return every text the tokenizer may learn from: the pretraining documents */
    public List<String> tokenizerTexts() {
        return pretrainingDocuments(0);
    }

    /**
     * @param seed the draw of the fresh values
     * @return chat examples (message -> detailed answer) of the training messages, each customer value drawn fresh
     *     in message and answer ({@link CustomerFacts#fresh}: order and invoice numbers as placeholders in the
     *     answer), so that no pass teaches Bitext's few fixed numbers; a draw that would repeat a held-out message
     *     is drawn again, and after {@value #MAX_DRAWS} such draws the row keeps its own value
     */
    public List<SftExample> trainChat(long seed) {
        Random random = new Random(seed);
        List<LabelledRow> rows = new ArrayList<>();
        for (LabelledRow r : trainDetailed()) {
            CustomerFacts.Exchange e = CustomerFacts.fresh(r, random);
            for (int draw = 1; draw < MAX_DRAWS && split.isHeldOut(e.message()); draw++) {
                e = CustomerFacts.fresh(r, random);
            }
            rows.add(split.isHeldOut(e.message()) ? r
                    : new LabelledRow(e.message(), r.intent(), r.category(), e.answer()));
        }
        return chat(rows);
    }

    /** Draws of a fresh value before a row keeps its own. */
    private static final int MAX_DRAWS = 20;

    /** @return chat examples of the held-out messages */
    public List<SftExample> heldOutChat() {
        return chat(heldOutDetailed());
    }

    private static List<SftExample> chat(List<LabelledRow> rows) {
        List<SftExample> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            LabelledRow r = rows.get(i);
            List<ChatMessage> prompt = i % 2 == 0
                    ? List.of(ChatMessage.system(SYSTEM_PROMPT), ChatMessage.user(r.instruction()))
                    : List.of(ChatMessage.user(r.instruction()));
            out.add(SftExample.of(prompt, r.response(), Provenance.of("bitext", r.intent())));
        }
        return out;
    }
}
