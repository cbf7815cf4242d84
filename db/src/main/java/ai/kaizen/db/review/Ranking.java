package ai.kaizen.db.review;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A reviewer's full ordering of a task's candidates, best first: rank 1 is the best, equal ranks are ties, and any
 * candidate may be flagged unacceptable. Stored as JSON in {@code review_assignment.ranking}; turned into training
 * pairs by {@link #pairs()}.
 */
public record Ranking(List<Entry> entries) {

    /** One candidate's place. */
    public record Entry(UUID messageId, int rank, boolean unacceptable) {
    }

    /** A better and a worse answer, and why the first is better. */
    public record Pair(UUID better, UUID worse, Reason reason) {
    }

    /** Why a pair exists: a strictly better rank, or one answer acceptable and the other not. */
    public enum Reason {
        RANK, ACCEPTABLE_OVER_UNACCEPTABLE
    }

    public Ranking {
        entries = entries.stream().sorted(Comparator.comparingInt(Entry::rank)
                .thenComparing(Entry::messageId)).toList();
        Set<UUID> seen = new HashSet<>();
        for (Entry e : entries) {
            if (e.rank() < 1) {
                throw new IllegalArgumentException("ranks start at 1, not " + e.rank());
            }
            if (!seen.add(e.messageId())) {
                throw new IllegalArgumentException("answer " + e.messageId() + " is ranked twice");
            }
        }
    }

    /**
     * Checks that this ranks exactly {@code candidates}, each once.
     *
     * @throws IllegalArgumentException saying what is missing or extra
     */
    public Ranking requireCovers(List<UUID> candidates) {
        Set<UUID> ranked = new HashSet<>();
        entries.forEach(e -> ranked.add(e.messageId()));
        if (!ranked.equals(new HashSet<>(candidates))) {
            throw new IllegalArgumentException("rank every candidate of the task exactly once (" + candidates.size()
                    + " candidates, " + entries.size() + " ranked)");
        }
        return this;
    }

    /**
     * Every better/worse pair the ranking implies. An acceptable answer beats every unacceptable one, whatever rank
     * the two were given (a flag is a stronger statement than an order). Among acceptable answers, a strictly
     * better rank makes a pair; ties make none. Two unacceptable answers make no pair: training towards the less
     * bad of two bad answers teaches nothing wanted (as with "both are bad" in the chat's A/B choices).
     */
    public List<Pair> pairs() {
        List<Pair> pairs = new ArrayList<>();
        for (Entry a : entries) {
            for (Entry b : entries) {
                if (a == b) {
                    continue;
                }
                if (!a.unacceptable() && b.unacceptable()) {
                    pairs.add(new Pair(a.messageId(), b.messageId(), Reason.ACCEPTABLE_OVER_UNACCEPTABLE));
                } else if (!a.unacceptable() && !b.unacceptable() && a.rank() < b.rank()) {
                    pairs.add(new Pair(a.messageId(), b.messageId(), Reason.RANK));
                }
            }
        }
        return pairs;
    }

    /** The candidates in pairs of equal rank that {@link #pairs()} leaves out, counted once per tie. */
    public int ties() {
        int ties = 0;
        for (int i = 0; i < entries.size(); i++) {
            for (int j = i + 1; j < entries.size(); j++) {
                Entry a = entries.get(i);
                Entry b = entries.get(j);
                if (a.rank() == b.rank() && !a.unacceptable() && !b.unacceptable()) {
                    ties++;
                }
            }
        }
        return ties;
    }

    public JsonArray toJson() {
        JsonArray array = new JsonArray();
        entries.forEach(e -> array.add(new JsonObject().put("message_id", e.messageId().toString())
                .put("rank", e.rank()).put("unacceptable", e.unacceptable())));
        return array;
    }

    /**
     * Reads {@code [{"message_id": "...", "rank": 1, "unacceptable": false}, ...]}.
     *
     * @throws IllegalArgumentException naming what is malformed
     */
    public static Ranking fromJson(JsonArray array) {
        List<Entry> entries = new ArrayList<>();
        for (Object o : array) {
            if (!(o instanceof JsonObject e)) {
                throw new IllegalArgumentException("each ranked answer must be an object");
            }
            UUID id;
            try {
                id = UUID.fromString(String.valueOf(e.getValue("message_id")));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("message_id must be an answer id");
            }
            if (!(e.getValue("rank") instanceof Integer rank)) {
                throw new IllegalArgumentException("rank must be a whole number from 1");
            }
            Object flag = e.getValue("unacceptable", false);
            if (!(flag instanceof Boolean unacceptable)) {
                throw new IllegalArgumentException("unacceptable must be true or false");
            }
            entries.add(new Entry(id, rank, unacceptable));
        }
        return new Ranking(entries);
    }

    /** The message ids in ranking order. */
    public List<UUID> order() {
        return entries.stream().map(Entry::messageId).toList();
    }
}
