package ai.kaizen.server.config;

import java.util.EnumMap;
import java.util.Map;

/**
 * The raw text of every key, after the sources were merged, with where each came from, and the typed readers that
 * turn text into values or into an {@link InvalidConfigException} that names the key.
 */
final class ConfigValues {

    /** One key's text and where it was found: a flag, a variable, a file, or the default. */
    record Value(String text, String source) {
    }

    private final Map<ConfigKey, Value> values = new EnumMap<>(ConfigKey.class);

    void set(ConfigKey key, String text, String source) {
        values.put(key, new Value(text, source));
    }

    Value get(ConfigKey key) {
        return values.getOrDefault(key, new Value(key.defaultValue(), "default"));
    }

    String text(ConfigKey key) {
        return get(key).text().strip();
    }

    int integer(ConfigKey key, int min, int max) {
        String text = text(key);
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw invalid(key, "is not a whole number");
        }
        if (value < min || value > max) {
            throw invalid(key, "must be between " + min + " and " + max);
        }
        return value;
    }

    double decimal(ConfigKey key, double min, double max) {
        double value;
        try {
            value = Double.parseDouble(text(key));
        } catch (NumberFormatException e) {
            throw invalid(key, "is not a number");
        }
        if (!(value >= min && value <= max)) {
            throw invalid(key, "must be between " + min + " and " + max);
        }
        return value;
    }

    /** Every key's text after merging, for {@link KaizenConfig#with}. */
    java.util.Map<ConfigKey, String> texts() {
        java.util.Map<ConfigKey, String> all = new java.util.EnumMap<>(ConfigKey.class);
        for (ConfigKey key : ConfigKey.values()) {
            all.put(key, get(key).text());
        }
        return all;
    }

    boolean bool(ConfigKey key) {
        return switch (text(key).toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw invalid(key, "is not true or false");
        };
    }

    InvalidConfigException invalid(ConfigKey key, String reason) {
        Value v = get(key);
        String from = v.source().equals("default") ? "" : " (from " + v.source() + ")";
        return new InvalidConfigException("invalid value for " + key.key() + from + ": '" + oneLine(v.text()) + "' "
                + reason);
    }

    /** Like {@link #invalid} but without repeating the value, for values that may hold a password. */
    InvalidConfigException invalidSecret(ConfigKey key, String reason) {
        Value v = get(key);
        String from = v.source().equals("default") ? "" : " (from " + v.source() + ")";
        return new InvalidConfigException("invalid value for " + key.key() + from + ": " + reason);
    }

    private static String oneLine(String text) {
        String s = text.replaceAll("[\\r\\n\\t]+", " ");
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
