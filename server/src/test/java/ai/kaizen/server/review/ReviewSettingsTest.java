package ai.kaizen.server.review;

import ai.kaizen.model.Fixtures;
import ai.kaizen.server.config.ConfigKey;
import ai.kaizen.server.config.InvalidConfigException;
import ai.kaizen.server.config.KaizenConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The review settings from the configuration, and the guidelines beside the tasks. */
class ReviewSettingsTest {

    @TempDir
    Path home;

    @Test
    void defaultsAndValues() {
        assertThat(KaizenConfig.defaults(home).review())
                .isEqualTo(new ReviewSettings(3, 2, 20, Duration.ofMinutes(30), Optional.empty()));
        assertThat(KaizenConfig.defaults(home).with(Map.of(ConfigKey.REVIEW_CANDIDATES, "4",
                ConfigKey.REVIEW_OVERLAP, "3", ConfigKey.REVIEW_EDIT_MINUTES, "5")).review())
                .isEqualTo(new ReviewSettings(4, 3, 20, Duration.ofMinutes(5), Optional.empty()));
    }

    @Test
    void badValuesStopStartUpNamingTheKey() {
        assertThatThrownBy(() -> KaizenConfig.defaults(home).with(Map.of(ConfigKey.REVIEW_CANDIDATES, "5")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid value for review.candidates (from code): '5' must be between 2 and 4");
        assertThatThrownBy(() -> KaizenConfig.defaults(home).with(Map.of(ConfigKey.REVIEW_GUIDELINES,
                home.resolve("missing.json").toString())))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("review.guidelines")
                .hasMessageContaining("cannot be read");
    }

    @Test
    void theCompanyGuidelinesOfTheAbcdData() throws Exception {
        Path file = Fixtures.inRepository("data/abcd/guidelines.json");
        Guidelines g = Guidelines.load(Optional.of(file));
        assertThat(g.sections()).extracting(Guidelines.Section::title).startsWith("Product Defect", "Order Issue");
        Guidelines.Section defects = g.sections().get(0);
        assertThat(defects.description()).isEqualTo("refunds and returns");
        assertThat(defects.topics().get(0).title()).isEqualTo("Initiate Refund");
        assertThat(defects.topics().get(0).steps().get(1).details())
                .contains("Email Address", "Order ID - last item, to be consistent with verify identity");
    }

    @Test
    void builtInGuidelinesAndBadFiles(@TempDir Path dir) throws Exception {
        assertThat(Guidelines.load(Optional.empty()).sections()).extracting(Guidelines.Section::title)
                .containsExactly("Ranking answers");
        assertThatThrownBy(() -> Guidelines.parse("[1, 2]", "g.json")).hasMessage("g.json is not a JSON object of sections");
        assertThatThrownBy(() -> Guidelines.parse("{\"A\": 3}", "g.json")).hasMessage("g.json: section 'A' is not an object");
    }
}
