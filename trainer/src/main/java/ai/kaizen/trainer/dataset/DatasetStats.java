package ai.kaizen.trainer.dataset;

import java.util.Map;
import java.util.TreeMap;

/**
 * Counts by name made while building a dataset: how many examples each source gave and what it counted but left
 * out (ties, both_bad verdicts, conflicting votes...). Names are {@code source.what}, e.g. {@code pairwise.tie}.
 */
public final class DatasetStats {

    private final Map<String, Integer> counts = new TreeMap<>();

    public void add(String name) {
        add(name, 1);
    }

    public void add(String name, int n) {
        counts.merge(name, n, Integer::sum);
    }

    public int get(String name) {
        return counts.getOrDefault(name, 0);
    }

    /** The counts, sorted by name. */
    public Map<String, Integer> asMap() {
        return new TreeMap<>(counts);
    }
}
