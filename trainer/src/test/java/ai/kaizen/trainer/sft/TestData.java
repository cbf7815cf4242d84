package ai.kaizen.trainer.sft;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.BitextImport;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.dataset.SftExample;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The shared test model and a small customer-service dataset. */
public final class TestData {

    private TestData() {}

    /** @return a directory under shared/ beside or above the working directory */
    public static Path shared(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("shared").resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("shared/" + relative + " not found above " + Path.of("").toAbsolutePath());
    }

    /** @return stories260K: a real pretrained Llama of 260K parameters, vocabulary 512 */
    public static Path stories260k() {
        return shared("models/stories260k");
    }

    /**
     * Short customer-service exchanges: the shortest Bitext answers when the files are there,
     * synthetic ones otherwise.
     *
     * @param count how many
     * @return the examples
     */
    static List<SftExample> customerService(int count) {
        Path bitext;
        try {
            bitext = shared("data/bitext");
        } catch (IllegalStateException e) {
            bitext = null;
        }
        if (bitext != null) {
            List<SftExample> all = new ArrayList<>(BitextImport.read(bitext).sft());
            all.sort(Comparator.comparingInt((SftExample e) -> e.completion().length() + e.prompt().get(0).content()
                    .length()));
            return List.copyOf(all.subList(0, count));
        }
        List<SftExample> out = new ArrayList<>();
        String[] topics = {"order", "refund", "invoice", "delivery", "account", "password", "payment", "address"};
        for (int i = 0; i < count; i++) {
            String topic = topics[i % topics.length];
            out.add(SftExample.of(List.of(ChatMessage.user("Where is my " + topic + " " + i + "?")),
                    "Your " + topic + " is on its way. Anything else?", Provenance.NONE));
        }
        return out;
    }

    /**
     * @param params named parameters
     * @return a copy of their values by name
     */
    public static Map<String, float[]> snapshot(Iterable<Pair<String, Parameter>> params) {
        Map<String, float[]> out = new HashMap<>();
        for (Pair<String, Parameter> p : params) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    /**
     * @param a a snapshot
     * @param b a snapshot of the same parameters
     * @return the largest absolute difference of any value
     */
    public static double maxAbsDiff(Map<String, float[]> a, Map<String, float[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            throw new AssertionError("different parameters: " + a.keySet() + " and " + b.keySet());
        }
        double max = 0;
        for (Map.Entry<String, float[]> e : a.entrySet()) {
            float[] other = b.get(e.getKey());
            for (int i = 0; i < other.length; i++) {
                max = Math.max(max, Math.abs(e.getValue()[i] - other[i]));
            }
        }
        return max;
    }
}
