package ai.kaizen.model.placeholder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

class PlaceholderFillerTest {

    /** Known names in capitals, anything else as <name>: shows what was taken for a placeholder. */
    private static final UnaryOperator<String> FILL = name -> Map.of(
            "Website Name", "Acme", "Customer Support Phone Number", "+1 555 0100").getOrDefault(name, "<" + name + ">");

    private static String whole(String text) {
        return PlaceholderFiller.fillAll(text, FILL);
    }

    /** The text fed in the given pieces, with everything that came out, in order. */
    private static String streamed(List<String> pieces) {
        PlaceholderFiller filler = new PlaceholderFiller(FILL);
        StringBuilder out = new StringBuilder();
        pieces.forEach(p -> out.append(filler.accept(p)));
        return out.append(filler.finish()).toString();
    }

    @Test
    void fillsKnownPlaceholdersAndLeavesTheRestOfTheText() {
        assertThat(whole("Visit {{Website Name}} or call {{Customer Support Phone Number}}."))
                .isEqualTo("Visit Acme or call +1 555 0100.");
        assertThat(whole("Go to {{Order History}} now")).isEqualTo("Go to <Order History> now");
        assertThat(whole("no placeholder at all")).isEqualTo("no placeholder at all");
        assertThat(whole("")).isEmpty();
    }

    @Test
    void theNameIsStrippedOfSpaces() {
        assertThat(whole("{{ Website Name }}")).isEqualTo("Acme");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Visit {{Website Name}} or call {{Customer Support Phone Number}}.",
            "{{Website Name}}{{Website Name}}",
            "a {b} c { d } e",
            "{{Order {{Website Name}} x",
            "{{{Website Name}}} and {{{{Order History}}}}",
            "stray }} and } and }}} here {",
            "unterminated {{Order Num",
            "line {{broken\nname}} end",
            "{{}} empty",
            "{",
            "}",
            "{{",
            "}}",
            "{{{",
            "x{{Website Name}",
            "{{Website Name}}}",
            "ends with {"})
    void splittingAtAnyPositionGivesTheSameText(String text) {
        String expected = whole(text);
        for (int cut = 0; cut <= text.length(); cut++) {
            assertThat(streamed(List.of(text.substring(0, cut), text.substring(cut))))
                    .as("cut at %d of %s", cut, text).isEqualTo(expected);
            for (int second = cut; second <= text.length(); second++) {
                assertThat(streamed(List.of(text.substring(0, cut), text.substring(cut, second),
                        text.substring(second)))).as("cuts at %d and %d of %s", cut, second, text).isEqualTo(expected);
            }
        }
        List<String> characters = new ArrayList<>();
        text.codePoints().forEach(c -> characters.add(new String(Character.toChars(c))));
        assertThat(streamed(characters)).isEqualTo(expected);
    }

    @Test
    void randomPiecesOfRandomBraceTextGiveTheSameTextAndNeverDoubleBraces() {
        Random random = new Random(7);
        String alphabet = "{{}}ab \n{}";
        for (int n = 0; n < 2000; n++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(30);
            for (int i = 0; i < length; i++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String expected = whole(text.toString());
            assertThat(expected).doesNotContain("{{").doesNotContain("}}");
            List<String> pieces = new ArrayList<>();
            for (int i = 0; i < text.length(); ) {
                int next = Math.min(text.length(), i + 1 + random.nextInt(4));
                pieces.add(text.substring(i, next));
                i = next;
            }
            assertThat(streamed(pieces)).as("%s in %s", text, pieces).isEqualTo(expected);
        }
    }

    @Test
    void holdsBackOnlyWhatMayBeAPlaceholder() {
        PlaceholderFiller filler = new PlaceholderFiller(FILL);
        assertThat(filler.accept("Visit ")).isEqualTo("Visit ");
        assertThat(filler.accept("{")).isEmpty();
        assertThat(filler.accept("{Web")).isEmpty();
        assertThat(filler.accept("site Name}")).isEmpty();
        assertThat(filler.accept("} today")).isEqualTo("Acme today");
        assertThat(filler.accept(" {x")).isEqualTo(" {x");
        assertThat(filler.accept(" }")).isEqualTo(" ");
        assertThat(filler.accept(" done")).isEqualTo("} done");
        assertThat(filler.finish()).isEmpty();
    }

    @Test
    void theEndOfTheStreamReleasesWhatWasHeldWithoutItsBraces() {
        PlaceholderFiller filler = new PlaceholderFiller(FILL);
        assertThat(filler.accept("Your order {{Order Num")).isEqualTo("Your order ");
        assertThat(filler.finish()).isEqualTo("Order Num");

        PlaceholderFiller lone = new PlaceholderFiller(FILL);
        assertThat(lone.accept("a set {")).isEqualTo("a set ");
        assertThat(lone.finish()).isEqualTo("{");
    }

    @Test
    void brokenPlaceholdersLoseTheirBracesAndKeepTheirWords() {
        assertThat(whole("{{Order {{Website Name}} now")).isEqualTo("Order Acme now");
        assertThat(whole("call {{Customer Support\nPhone}} please")).isEqualTo("call Customer Support\nPhone please");
        assertThat(whole("a }} b")).isEqualTo("a  b");
        assertThat(whole("{{{Website Name}}}")).isEqualTo("Acme");
        assertThat(whole("{{}}")).isEmpty();
        String tooLong = "x".repeat(PlaceholderFiller.MAX_NAME + 1);
        assertThat(whole("{{" + tooLong + "}}")).isEqualTo(tooLong);
        String longest = "y".repeat(PlaceholderFiller.MAX_NAME);
        assertThat(whole("{{" + longest + "}}")).isEqualTo("<" + longest + ">");
    }

    @Test
    void singleBracesPassThrough() {
        assertThat(whole("{")).isEqualTo("{");
        assertThat(whole("}")).isEqualTo("}");
        assertThat(whole("use {a: 1} here")).isEqualTo("use {a: 1} here");
    }

    @Test
    void aFillerIsUsableAgainAfterFinish() {
        PlaceholderFiller filler = new PlaceholderFiller(FILL);
        filler.accept("{{Web");
        filler.finish();
        assertThat(filler.accept("{{Website Name}}")).isEqualTo("Acme");
        assertThat(filler.finish()).isEmpty();
    }
}
