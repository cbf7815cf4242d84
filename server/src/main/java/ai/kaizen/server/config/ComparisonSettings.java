package ai.kaizen.server.config;

import java.util.Map;

/**
 * Online comparisons of model versions.
 *
 * @param share          while one runs, the share of pairwise choices that pit the challenger against the serving
 *                       version (an operator may give another when starting one)
 * @param afterPromotion compare a version an operator promoted with the one it replaced
 * @param minVotes       decided votes (wins of either side) before a comparison may name a better version
 */
public record ComparisonSettings(double share, boolean afterPromotion, int minVotes) {

    static ComparisonSettings from(ConfigValues values) {
        double share = values.decimal(ConfigKey.COMPARISON_SHARE, 0, 1);
        if (share <= 0) {
            throw values.invalid(ConfigKey.COMPARISON_SHARE, "must be more than 0");
        }
        return new ComparisonSettings(share, values.bool(ConfigKey.COMPARISON_AFTER_PROMOTION),
                values.integer(ConfigKey.COMPARISON_MIN_VOTES, 1, 1_000_000));
    }

    static ComparisonSettings of(Map<ConfigKey, String> texts) {
        ConfigValues values = new ConfigValues();
        texts.forEach((key, value) -> values.set(key, value, "code"));
        return from(values);
    }
}
