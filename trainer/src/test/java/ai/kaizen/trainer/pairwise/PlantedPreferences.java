package ai.kaizen.trainer.pairwise;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Provenance;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Synthetic preference pairs with one planted rule: the answer that thanks the customer wins.
 * Both answers come from the same pool of sentences, so nothing but the rule separates them.
 */
public final class PlantedPreferences {

    private PlantedPreferences() {}

    private static final String[] TOPICS = {"order", "refund", "card", "bill", "box"};
    private static final String[] ANSWERS = {"It is sent.", "It is here.", "Done.", "On its way.", "Soon."};

    /**
     * @param count how many pairs
     * @param seed random seed
     * @return pairs whose chosen answer says thanks and whose rejected answer does not
     */
    public static List<PreferenceExample> pairs(int count, long seed) {
        Random random = new Random(seed);
        List<PreferenceExample> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String topic = TOPICS[random.nextInt(TOPICS.length)];
            String good = ANSWERS[random.nextInt(ANSWERS.length)];
            String bad = ANSWERS[random.nextInt(ANSWERS.length)];
            good = random.nextBoolean() ? good + " Thanks!" : "Thanks! " + good;
            out.add(new PreferenceExample(List.of(ChatMessage.user("My " + topic + "?")), good, bad,
                    Provenance.NONE));
        }
        return out;
    }
}
