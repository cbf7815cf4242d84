package ai.kaizen.server.review;

import ai.kaizen.db.review.Ranking;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * How much reviewers agree on rankings: pure arithmetic over submitted rankings, no database.
 *
 * <ul>
 *     <li><b>Krippendorff's alpha, ordinal</b>: every (task, candidate) is a unit and a reviewer's rank of it a
 *     value; reviewers who did not rank a task are missing data (the coincidence matrix handles that), and tied
 *     ranks are equal values. 1 is perfect agreement, 0 what chance gives.</li>
 *     <li><b>Pairwise agreement</b>: for each task, each two reviewers of it and each two candidates, whether both
 *     reviewers put the two in the same relation (better, tie, worse); the share of such comparisons that agree.</li>
 *     <li><b>Agreement with the majority</b>, per reviewer: for each two candidates of a task, the relation most of
 *     the <em>other</em> reviewers chose (no majority when they split evenly), and the share the reviewer matched.</li>
 * </ul>
 * Each is empty where there is nothing to compare (fewer than two reviewers of any task, or no variation at all).
 */
public final class Agreement {

    private Agreement() {
    }

    /** One reviewer's ranking of one task. */
    public record Judgement(UUID taskId, String reviewer, Ranking ranking) {
    }

    /**
     * Krippendorff's alpha with the ordinal metric. Each unit lists the values it received (missing ones left out);
     * units with fewer than two values are not pairable and count for nothing.
     */
    public static OptionalDouble krippendorffOrdinal(Collection<? extends Collection<Integer>> units) {
        // coincidence matrix o[c][k]: each ordered pair of values within a unit adds 1 / (m_u - 1)
        TreeMap<Integer, Map<Integer, Double>> o = new TreeMap<>();
        for (Collection<Integer> unit : units) {
            int m = unit.size();
            if (m < 2) {
                continue;
            }
            List<Integer> values = List.copyOf(unit);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    if (i != j) {
                        o.computeIfAbsent(values.get(i), v -> new HashMap<>())
                                .merge(values.get(j), 1.0 / (m - 1), Double::sum);
                    }
                }
            }
        }
        List<Integer> categories = new ArrayList<>(o.keySet());
        Map<Integer, Double> marginals = new HashMap<>();
        double n = 0;
        for (Integer c : categories) {
            double nc = o.get(c).values().stream().mapToDouble(Double::doubleValue).sum();
            marginals.put(c, nc);
            n += nc;
        }
        if (n <= 1) {
            return OptionalDouble.empty();
        }
        double observed = 0;
        double expected = 0;
        for (int a = 0; a < categories.size(); a++) {
            for (int b = 0; b < categories.size(); b++) {
                if (a == b) {
                    continue;
                }
                int c = categories.get(a);
                int k = categories.get(b);
                double delta = ordinalDistance(categories, marginals, Math.min(a, b), Math.max(a, b));
                observed += o.get(c).getOrDefault(k, 0.0) * delta;
                expected += marginals.get(c) * marginals.get(k) * delta;
            }
        }
        observed /= n;
        expected /= n * (n - 1);
        return expected == 0 ? OptionalDouble.empty() : OptionalDouble.of(1 - observed / expected);
    }

    /** Squared ordinal distance between the a-th and b-th (a < b) values: (sum of n_g from a to b - (n_a + n_b) / 2)². */
    private static double ordinalDistance(List<Integer> categories, Map<Integer, Double> marginals, int a, int b) {
        double sum = 0;
        for (int g = a; g <= b; g++) {
            sum += marginals.get(categories.get(g));
        }
        double d = sum - (marginals.get(categories.get(a)) + marginals.get(categories.get(b))) / 2;
        return d * d;
    }

    /** Krippendorff's ordinal alpha of rankings: units are (task, candidate), values the ranks. */
    public static OptionalDouble alpha(Collection<Judgement> judgements) {
        Map<String, List<Integer>> units = new LinkedHashMap<>();
        for (Judgement j : judgements) {
            for (Ranking.Entry e : j.ranking().entries()) {
                units.computeIfAbsent(j.taskId() + "/" + e.messageId(), u -> new ArrayList<>()).add(e.rank());
            }
        }
        return krippendorffOrdinal(units.values());
    }

    /** The share of (two reviewers, two candidates) comparisons within a task in which both chose the same relation. */
    public static OptionalDouble pairwise(Collection<Judgement> judgements) {
        long[] counts = new long[2];
        byTask(judgements).values().forEach(task -> countPairwise(task, counts));
        return counts[1] == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) counts[0] / counts[1]);
    }

    /** counts[0] agreeing comparisons, counts[1] all comparisons, of one task's judgements. */
    private static void countPairwise(List<Judgement> task, long[] counts) {
        for (int r = 0; r < task.size(); r++) {
            for (int s = r + 1; s < task.size(); s++) {
                Map<UUID, Integer> x = ranks(task.get(r).ranking());
                Map<UUID, Integer> y = ranks(task.get(s).ranking());
                List<UUID> common = x.keySet().stream().filter(y::containsKey).sorted().toList();
                for (int i = 0; i < common.size(); i++) {
                    for (int j = i + 1; j < common.size(); j++) {
                        UUID a = common.get(i);
                        UUID b = common.get(j);
                        counts[1]++;
                        if (Integer.signum(x.get(a) - x.get(b)) == Integer.signum(y.get(a) - y.get(b))) {
                            counts[0]++;
                        }
                    }
                }
            }
        }
    }

    /** Per reviewer, the share of candidate pairs where they chose what most other reviewers of the task chose. */
    public static Map<String, OptionalDouble> withMajority(Collection<Judgement> judgements) {
        Map<String, long[]> counts = new TreeMap<>();
        for (List<Judgement> task : byTask(judgements).values()) {
            for (Judgement j : task) {
                long[] c = counts.computeIfAbsent(j.reviewer(), r -> new long[2]);
                Map<UUID, Integer> mine = ranks(j.ranking());
                List<UUID> ids = new ArrayList<>(new TreeSet<>(mine.keySet()));
                for (int i = 0; i < ids.size(); i++) {
                    for (int k = i + 1; k < ids.size(); k++) {
                        UUID a = ids.get(i);
                        UUID b = ids.get(k);
                        Map<Integer, Integer> votes = new HashMap<>();
                        for (Judgement other : task) {
                            Map<UUID, Integer> theirs = ranks(other.ranking());
                            if (other != j && theirs.containsKey(a) && theirs.containsKey(b)) {
                                votes.merge(Integer.signum(theirs.get(a) - theirs.get(b)), 1, Integer::sum);
                            }
                        }
                        majority(votes).ifPresent(relation -> {
                            c[1]++;
                            if (relation == Integer.signum(mine.get(a) - mine.get(b))) {
                                c[0]++;
                            }
                        });
                    }
                }
            }
        }
        Map<String, OptionalDouble> shares = new TreeMap<>();
        counts.forEach((reviewer, c) -> shares.put(reviewer,
                c[1] == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) c[0] / c[1])));
        return shares;
    }

    /** The relation with strictly the most votes, if there is one. */
    private static java.util.Optional<Integer> majority(Map<Integer, Integer> votes) {
        int best = 0;
        Integer winner = null;
        boolean tied = false;
        for (Map.Entry<Integer, Integer> v : votes.entrySet()) {
            if (v.getValue() > best) {
                best = v.getValue();
                winner = v.getKey();
                tied = false;
            } else if (v.getValue() == best) {
                tied = true;
            }
        }
        return tied ? java.util.Optional.empty() : java.util.Optional.ofNullable(winner);
    }

    /** Per task, 1 - its pairwise agreement: the tasks reviewers disagree on most, most disagreed first. */
    public static List<Map.Entry<UUID, Double>> disagreement(Collection<Judgement> judgements, int limit) {
        List<Map.Entry<UUID, Double>> tasks = new ArrayList<>();
        byTask(judgements).forEach((task, list) -> {
            long[] counts = new long[2];
            countPairwise(list, counts);
            if (counts[1] > 0) {
                tasks.add(Map.entry(task, 1 - (double) counts[0] / counts[1]));
            }
        });
        tasks.sort(Map.Entry.<UUID, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return tasks.subList(0, Math.min(limit, tasks.size()));
    }

    /** The judgements on the tasks {@code reviewer} ranked, everyone's: what a reviewer's own alpha is computed on. */
    public static List<Judgement> onTasksOf(String reviewer, Collection<Judgement> judgements) {
        var tasks = judgements.stream().filter(j -> j.reviewer().equals(reviewer)).map(Judgement::taskId)
                .collect(java.util.stream.Collectors.toSet());
        return judgements.stream().filter(j -> tasks.contains(j.taskId())).toList();
    }

    /** The median of some durations (seconds); empty when there are none. */
    public static OptionalDouble median(Collection<? extends Number> values) {
        double[] sorted = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return OptionalDouble.empty();
        }
        int mid = sorted.length / 2;
        return OptionalDouble.of(sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
    }

    private static Map<UUID, List<Judgement>> byTask(Collection<Judgement> judgements) {
        Map<UUID, List<Judgement>> tasks = new TreeMap<>();
        judgements.forEach(j -> tasks.computeIfAbsent(j.taskId(), t -> new ArrayList<>()).add(j));
        return tasks;
    }

    private static Map<UUID, Integer> ranks(Ranking ranking) {
        Map<UUID, Integer> ranks = new HashMap<>();
        ranking.entries().forEach(e -> ranks.put(e.messageId(), e.rank()));
        return ranks;
    }
}
