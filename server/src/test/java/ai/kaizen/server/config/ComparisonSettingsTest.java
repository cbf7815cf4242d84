package ai.kaizen.server.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ComparisonSettingsTest {

    @Test
    void theMinimumOfVotesDefaultsToThePowerCalculationAndCanBeSet() {
        assertThat(ComparisonSettings.of(Map.of()).minVotes()).isEqualTo(194);
        assertThat(ComparisonSettings.of(Map.of(ConfigKey.COMPARISON_MIN_VOTES, "400")).minVotes()).isEqualTo(400);
        assertThatThrownBy(() -> ComparisonSettings.of(Map.of(ConfigKey.COMPARISON_MIN_VOTES, "0")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("comparison.min-votes");
    }
}
