package ai.kaizen.server.http;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What PostgreSQL text cannot hold is found wherever it hides in a request. */
class StorableTextTest {

    @Test
    void ordinaryTextPassesEvenWithCharactersBeyondTheBasicPlane() {
        assertThat(StorableText.problem("Où est mon colis ? \uD83D\uDCE6 {{Order Number}} \t\n")).isEmpty();
        assertThat(StorableText.problem("")).isEmpty();
    }

    @Test
    void nulAndLoneSurrogatesAreFound() {
        assertThat(StorableText.problem("a\u0000b")).hasValueSatisfying(p -> assertThat(p).contains("NUL"));
        assertThat(StorableText.problem("a\uD800")).hasValueSatisfying(p -> assertThat(p).contains("surrogate"));
        assertThat(StorableText.problem("\uDC00a")).hasValueSatisfying(p -> assertThat(p).contains("surrogate"));
        assertThat(StorableText.problem("\uD800\uD800\uDC00")).isPresent();
    }

    @Test
    void keysAndNestedValuesAreSearched() {
        assertThat(StorableText.problemIn(new JsonObject("{\"a\": [1, {\"b\": \"ok\"}], \"c\": null}"))).isEmpty();
        assertThat(StorableText.problemIn(new JsonObject("{\"a\": [1, {\"b\": \"x\\u0000\"}]}"))).isPresent();
        assertThat(StorableText.problemIn(new JsonObject("{\"k\\u0000\": 1}"))).isPresent();
        assertThat(StorableText.problemIn(new JsonObject("{\"a\": {\"b\": [[\"\\udfff\"]]}}"))).isPresent();
    }
}
