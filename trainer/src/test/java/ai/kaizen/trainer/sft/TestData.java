package ai.kaizen.trainer.sft;

import ai.kaizen.model.Fixtures;
import ai.kaizen.trainer.dataset.BitextImport;
import ai.kaizen.trainer.dataset.SftExample;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.kaizen.trainer.training.MetricsLog;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The shared test model, a small customer-service dataset, and reading a training run back. */
public final class TestData {

    private TestData() {}

    /**
     * @param relative a path inside the repository's {@code data/} folder
     * @return that path
     */
    public static Path data(String relative) {
        return Fixtures.inRepository("data/" + relative);
    }

    /**
     * @param count how many
     * @return short customer-service exchanges: the shortest Bitext answers
     */
    static List<SftExample> customerService(int count) {
        List<SftExample> all = new ArrayList<>(BitextImport.read(data("bitext")).sft());
        all.sort(Comparator.comparingInt((SftExample e) -> e.completion().length() + e.prompt().get(0).content()
                .length()));
        return List.copyOf(all.subList(0, count));
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

    /**
     * @param out a run's output directory
     * @return every line of its {@code metrics.jsonl}
     */
    public static List<JsonObject> metrics(Path out) throws IOException {
        return Files.readAllLines(out.resolve(MetricsLog.FILE), StandardCharsets.UTF_8).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }
}
