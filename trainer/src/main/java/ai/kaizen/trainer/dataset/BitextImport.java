package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Bitext's customer-service CSV files ({@code detailed_responses.csv} and {@code canned_responses.csv}):
 * a customer message ({@code instruction}) and an answer ({@code response}) per row, with the intent, category and
 * entity columns, found by the header whatever their order. For a message present in both files, the detailed answer
 * is preferred over the canned one; the detailed answers are also demonstrations. Placeholders such as
 * {@code {{Order Number}}} are kept as they are.
 *
 * <p>Each example's provenance is {@code bitext} with the file name and row number ({@code detailed:12}, the first
 * data row being 1). The prompt is the customer message alone, as one user turn.
 */
public final class BitextImport {

    /** The examples read: demonstrations from the detailed answers, and detailed-over-canned pairs. */
    public record Result(List<SftExample> sft, List<PreferenceExample> preferences, int detailedRows,
                         int cannedRows, int identicalSkipped) {
    }

    private record Row(long number, String instruction, String response) {
    }

    private BitextImport() {
    }

    /** Reads {@code detailed_responses.csv} and {@code canned_responses.csv} from {@code directory}. */
    public static Result read(Path directory) {
        try (Reader detailed = Files.newBufferedReader(directory.resolve("detailed_responses.csv"), StandardCharsets.UTF_8);
             Reader canned = Files.newBufferedReader(directory.resolve("canned_responses.csv"), StandardCharsets.UTF_8)) {
            return read(detailed, canned);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the two files. Pairs follow the detailed file's order; a customer message repeated within a file
     * keeps its first answer; a canned answer identical to the detailed one makes no pair.
     */
    public static Result read(Reader detailed, Reader canned) {
        Map<String, Row> detailedRows = rows(detailed, "detailed");
        Map<String, Row> cannedRows = rows(canned, "canned");
        List<SftExample> sft = new ArrayList<>();
        List<PreferenceExample> preferences = new ArrayList<>();
        int identical = 0;
        for (Row d : detailedRows.values()) {
            List<ChatMessage> prompt = List.of(ChatMessage.user(d.instruction()));
            sft.add(SftExample.of(prompt, d.response(), Provenance.of("bitext", "detailed:" + d.number())));
            Row c = cannedRows.get(d.instruction());
            if (c == null) {
                continue;
            }
            if (c.response().equals(d.response())) {
                identical++;
                continue;
            }
            preferences.add(new PreferenceExample(prompt, d.response(), c.response(),
                    Provenance.of("bitext", "detailed:" + d.number(), "canned:" + c.number())));
        }
        return new Result(sft, preferences, detailedRows.size(), cannedRows.size(), identical);
    }

    private static Map<String, Row> rows(Reader in, String name) {
        CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get();
        Map<String, Row> rows = new LinkedHashMap<>();
        try (CSVParser parser = CSVParser.builder().setReader(in).setFormat(format).get()) {
            if (!parser.getHeaderMap().containsKey("instruction") || !parser.getHeaderMap().containsKey("response")) {
                throw new IllegalArgumentException(name + " file has no instruction and response columns: "
                        + parser.getHeaderNames());
            }
            for (CSVRecord record : parser) {
                String instruction = record.get("instruction");
                String response = record.get("response");
                if (instruction.isBlank() || response.isBlank()) {
                    continue;
                }
                rows.putIfAbsent(instruction, new Row(record.getRecordNumber(), instruction, response));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.io.UncheckedIOException | IllegalStateException e) {
            throw new IllegalArgumentException(name + " file is not valid CSV: " + e.getMessage(), e);
        }
        return rows;
    }

    /**
     * One row of a Bitext file with its labels, for uses that need the intent (stratified splits, intent
     * classifiers). Rows with a blank message or answer are left out; repeated messages are kept.
     *
     * @param instruction the customer message
     * @param intent the intent label, e.g. {@code get_refund}
     * @param category the category label, e.g. {@code REFUND}
     * @param response the agent answer
     * @param mention the value the customer gave in the message (an order number, a name), or null
     */
    public record LabelledRow(String instruction, String intent, String category, String response, Mention mention) {

        /** A row without a marked value. */
        public LabelledRow(String instruction, String intent, String category, String response) {
            this(instruction, intent, category, response, null);
        }
    }

    /**
     * A value the customer gave, as Bitext's entity columns mark it in the message.
     *
     * @param type the entity type, e.g. {@code order_id}, {@code person_name}
     * @param start where the value starts in the message (a character offset)
     * @param end where it ends (exclusive)
     */
    public record Mention(String type, int start, int end) {

        /**
         * @param message the message the mention belongs to
         * @return the value as the message writes it
         */
        public String text(String message) {
            return message.substring(start, end);
        }
    }

    /**
     * The row's marked value, when its entity columns mark one that lies inside the message. Some rows' offsets run
     * past a message whose value was shortened ("purchase 3707955617" marked as 12 characters): the value itself is
     * then looked up in the message.
     */
    private static Mention mention(CSVRecord record) {
        if (!record.isMapped("entity_type") || !record.isMapped("start_offset") || !record.isMapped("end_offset")
                || record.get("entity_type").isBlank()) {
            return null;
        }
        String type = record.get("entity_type").strip();
        String message = record.get("instruction");
        try {
            int start = Integer.parseInt(record.get("start_offset").strip());
            int end = Integer.parseInt(record.get("end_offset").strip());
            if (start >= 0 && start < end && end <= message.length()) {
                return new Mention(type, start, end);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        String value = record.isMapped("entity_value") ? record.get("entity_value").strip() : "";
        int at = value.isEmpty() ? -1 : message.indexOf(value);
        return at >= 0 ? new Mention(type, at, at + value.length()) : null;
    }

    /** Reads every labelled row of one Bitext CSV file ({@code detailed_responses.csv} or {@code canned_responses.csv}). */
    public static List<LabelledRow> labelledRows(Path file) {
        CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get();
        List<LabelledRow> out = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser parser = CSVParser.builder().setReader(in).setFormat(format).get()) {
            for (String column : List.of("instruction", "intent", "category", "response")) {
                if (!parser.getHeaderMap().containsKey(column)) {
                    throw new IllegalArgumentException(file + " has no " + column + " column: " + parser.getHeaderNames());
                }
            }
            for (CSVRecord record : parser) {
                if (!record.get("instruction").isBlank() && !record.get("response").isBlank()) {
                    out.add(new LabelledRow(record.get("instruction"), record.get("intent"), record.get("category"),
                            record.get("response"), mention(record)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(file + " is not valid CSV: " + e.getMessage(), e);
        }
        return out;
    }
}
