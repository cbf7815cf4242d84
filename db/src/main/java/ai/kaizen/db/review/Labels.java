package ai.kaizen.db.review;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A reviewer's quality labels for one answer: three Likert scales (1 worst to 5 best) and flags. Stored as JSON in
 * {@code review_assignment.labels}: {@code {"helpfulness": 4, "correctness": 5, "tone": 3, "flags": ["unsafe"]}}.
 */
public record Labels(Map<Scale, Integer> scales, Set<Flag> flags) {

    /** What an answer is rated on, 1 to 5. */
    public enum Scale {
        HELPFULNESS, CORRECTNESS, TONE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What an answer may be flagged for. */
    public enum Flag {
        PERSONAL_DATA, UNSAFE, OFF_TOPIC;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Labels {
        scales = Map.copyOf(scales);
        flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        for (Scale s : Scale.values()) {
            Integer v = scales.get(s);
            if (v == null || v < 1 || v > 5) {
                throw new IllegalArgumentException(s.label() + " must be rated 1 to 5");
            }
        }
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        for (Scale s : Scale.values()) {
            json.put(s.label(), scales.get(s));
        }
        JsonArray f = new JsonArray();
        for (Flag flag : Flag.values()) {
            if (flags.contains(flag)) {
                f.add(flag.label());
            }
        }
        return json.put("flags", f);
    }

    /**
     * Reads the JSON form.
     *
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    public static Labels fromJson(JsonObject json) {
        Map<Scale, Integer> scales = new EnumMap<>(Scale.class);
        for (Scale s : Scale.values()) {
            if (!(json.getValue(s.label()) instanceof Integer v)) {
                throw new IllegalArgumentException(s.label() + " must be rated 1 to 5");
            }
            scales.put(s, v);
        }
        Set<Flag> flags = EnumSet.noneOf(Flag.class);
        Object f = json.getValue("flags", new JsonArray());
        if (!(f instanceof JsonArray array)) {
            throw new IllegalArgumentException("flags must be a list");
        }
        for (Object o : array) {
            try {
                flags.add(Flag.valueOf(String.valueOf(o).toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown flag " + o + "; flags are personal_data, unsafe, off_topic");
            }
        }
        return new Labels(scales, flags);
    }
}
