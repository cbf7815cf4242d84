package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonlFormatsTest {

    private static final List<ChatMessage> PROMPT = List.of(ChatMessage.system("You help customers."),
            ChatMessage.user("Where is my order {{Order Number}}?"));

    @Test
    void sftRoundTrips() {
        List<SftExample> examples = List.of(
                SftExample.of(PROMPT, "It ships today.\nTrack it \"here\".", Provenance.of("rating", "1", "2")),
                SftExample.of(List.of(ChatMessage.user("hi")), "hello", Provenance.NONE));
        StringWriter out = new StringWriter();
        JsonlFormats.writeSft(examples, out);

        assertThat(out.toString().lines().findFirst().orElseThrow()).startsWith(
                "{\"messages\":[{\"role\":\"system\",\"content\":\"You help customers.\"},");
        assertThat(out.toString().lines().skip(1).findFirst().orElseThrow()).isEqualTo(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]}");
        assertThat(JsonlFormats.readSft(new StringReader(out.toString()))).isEqualTo(examples);
    }

    @Test
    void preferencesRoundTripInTheConversationalForm() {
        List<PreferenceExample> examples = List.of(new PreferenceExample(PROMPT, "It ships today.", "No idea.",
                Provenance.of("pairwise", "3f1c")));
        StringWriter out = new StringWriter();
        JsonlFormats.writePreferences(examples, out);

        assertThat(out.toString()).contains("\"chosen\":[{\"role\":\"assistant\",\"content\":\"It ships today.\"}]")
                .contains("\"rejected\":[{\"role\":\"assistant\",\"content\":\"No idea.\"}]");
        assertThat(JsonlFormats.readPreferences(new StringReader(out.toString()))).isEqualTo(examples);
    }

    @Test
    void preferenceMarginsRoundTripAndMustBeNumbers() {
        List<PreferenceExample> examples = List.of(
                new PreferenceExample(PROMPT, "It ships today.", "No idea.", Provenance.NONE, 2.5),
                new PreferenceExample(PROMPT, "Sure.", "No.", Provenance.NONE));
        StringWriter out = new StringWriter();
        JsonlFormats.writePreferences(examples, out);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(0)).contains("\"margin\":2.5");
        assertThat(lines.get(1)).doesNotContain("margin");
        assertThat(JsonlFormats.readPreferences(new StringReader(out.toString()))).isEqualTo(examples);
        assertThatThrownBy(() -> JsonlFormats.readPreferences(new StringReader(
                "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\", \"margin\": \"big\"}")))
                .isInstanceOf(DatasetFormatException.class).hasMessage("line 1: \"margin\" must be a number");
    }

    @Test
    void tiesRoundTripAsAColumnOnlyTiesCarry() {
        List<PreferenceExample> examples = List.of(
                PreferenceExample.tie(PROMPT, "It ships today.", "It leaves today.", Provenance.of("tie", "7")),
                new PreferenceExample(PROMPT, "Sure.", "No.", Provenance.of("pairwise", "8")));
        StringWriter out = new StringWriter();
        JsonlFormats.writePreferences(examples, out);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(0)).contains("\"tie\":true").contains("\"source\":{\"kind\":\"tie\"");
        assertThat(lines.get(1)).doesNotContain("tie");
        assertThat(JsonlFormats.readPreferences(new StringReader(out.toString()))).isEqualTo(examples);
        assertThatThrownBy(() -> JsonlFormats.readPreferences(new StringReader(
                "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\", \"tie\": 1}")))
                .isInstanceOf(DatasetFormatException.class).hasMessage("line 1: \"tie\" must be true or false");
        assertThatThrownBy(() -> JsonlFormats.readPreferences(new StringReader(
                "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\", \"tie\": true, \"margin\": 1}")))
                .isInstanceOf(DatasetFormatException.class).hasMessageContaining("a tie has no");
    }

    @Test
    void plainStringPreferencesAreRead() {
        String jsonl = "{\"prompt\": \"The sky is\", \"chosen\": \" blue.\", \"rejected\": \" green.\"}\n\n";
        assertThat(JsonlFormats.readPreferences(new StringReader(jsonl))).containsExactly(new PreferenceExample(
                List.of(ChatMessage.user("The sky is")), " blue.", " green.", Provenance.NONE));
    }

    @Test
    void thumbsRoundTripAndReadPlainStrings() {
        List<ThumbsExample> examples = List.of(
                new ThumbsExample(PROMPT, "It ships today.", true, Provenance.of("rating", "7")),
                new ThumbsExample(PROMPT, "I like turtles.", false, Provenance.of("both_bad", "9a", "9b")));
        StringWriter out = new StringWriter();
        JsonlFormats.writeThumbs(examples, out);
        assertThat(out.toString()).contains("\"label\":true").contains("\"label\":false");
        assertThat(JsonlFormats.readThumbs(new StringReader(out.toString()))).isEqualTo(examples);

        assertThat(JsonlFormats.readThumbs(new StringReader(
                "{\"prompt\": \"The sky is\", \"completion\": \" blue.\", \"label\": true}")))
                .containsExactly(new ThumbsExample(List.of(ChatMessage.user("The sky is")), " blue.", true,
                        Provenance.NONE));
    }

    @Test
    void aDatasetIsWrittenAsTwoSplitsThatReadBack(@TempDir Path directory) throws Exception {
        ThumbsExample good = new ThumbsExample(PROMPT, "It ships today.", true, Provenance.of("rating", "7"));
        ThumbsExample bad = new ThumbsExample(List.of(ChatMessage.user("hi")), "go away", false, Provenance.NONE);
        Dataset<ThumbsExample> dataset = new Dataset<>(1, DatasetKind.THUMBS, Instant.EPOCH,
                DatasetParameters.DEFAULTS, List.of(good), List.of(bad), Map.of());
        JsonlFormats.writeDataset(dataset, directory);

        try (Reader train = Files.newBufferedReader(directory.resolve("train.jsonl"));
             Reader eval = Files.newBufferedReader(directory.resolve("eval.jsonl"))) {
            assertThat(JsonlFormats.read(DatasetKind.THUMBS, train)).containsExactly(good);
            assertThat(JsonlFormats.read(DatasetKind.THUMBS, eval)).containsExactly(bad);
        }
        assertThatThrownBy(() -> JsonlFormats.write(DatasetKind.SFT, List.of(good), new StringWriter()))
                .isInstanceOf(ClassCastException.class);
    }

    @Test
    void aBadLineIsNamedByItsNumber() {
        String jsonl = "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n"
                + "\n"
                + "{\"prompt\": \"a\", \"chosen\": \"b\"\n";
        assertThatThrownBy(() -> JsonlFormats.readPreferences(new StringReader(jsonl)))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageStartingWith("line 3:")
                .satisfies(e -> assertThat(((DatasetFormatException) e).line()).isEqualTo(3));

        assertThatThrownBy(() -> JsonlFormats.readPreferences(new StringReader(
                "{\"prompt\": \"a\", \"chosen\": \"b\"}")))
                .hasMessage("line 1: \"rejected\" is missing");
        assertThatThrownBy(() -> JsonlFormats.readThumbs(new StringReader(
                "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\", \"completion\": \"b\", \"label\": 1}")))
                .hasMessageStartingWith("line 1:").hasMessageContaining("label");
        assertThatThrownBy(() -> JsonlFormats.readSft(new StringReader(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")))
                .hasMessageStartingWith("line 1:").hasMessageContaining("assistant");
    }
}
