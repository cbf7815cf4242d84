package ai.kaizen.trainer.starter;

import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The customer messages kept away from every training step (tokenizer, pretraining, chat tuning) to
 * measure the starter model on: a fraction of each intent's distinct messages, drawn with a seed.
 * Stratifying by intent keeps rare intents represented; splitting by message text keeps a message
 * that occurs in both Bitext files (with its detailed and its canned answer) on one side.
 *
 * @param heldOut the held-out messages
 */
public record HeldOutSplit(Set<String> heldOut) {

    /**
     * @param rows labelled rows (each message counts once, with the intent it first appears with)
     * @param fraction the share of each intent's messages held out (at least one per intent)
     * @param seed the draw's seed
     * @return the split
     */
    public static HeldOutSplit of(List<LabelledRow> rows, double fraction, long seed) {
        if (fraction <= 0 || fraction >= 1) {
            throw new IllegalArgumentException("the held-out fraction must be between 0 and 1");
        }
        Map<String, String> intentOf = new LinkedHashMap<>();
        for (LabelledRow r : rows) {
            intentOf.putIfAbsent(r.instruction(), r.intent());
        }
        Map<String, Set<String>> byIntent = new TreeMap<>();
        intentOf.forEach((message, intent) -> byIntent.computeIfAbsent(intent, k -> new TreeSet<>()).add(message));
        Set<String> heldOut = new HashSet<>();
        Random random = new Random(seed);
        for (Set<String> messages : byIntent.values()) {
            List<String> shuffled = new ArrayList<>(messages);
            Collections.shuffle(shuffled, random);
            int take = Math.max(1, (int) Math.round(fraction * shuffled.size()));
            heldOut.addAll(shuffled.subList(0, take));
        }
        return new HeldOutSplit(Set.copyOf(heldOut));
    }

    /**
     * @param message a customer message
     * @return whether it is held out
     */
    public boolean isHeldOut(String message) {
        return heldOut.contains(message);
    }
}
