package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The JSON Lines shapes that TRL's trainers read, one example per line.
 *
 * <ul>
 *   <li>SFT ("conversational language modeling"): {@code {"messages": [{"role": ..., "content": ...}, ...]}}</li>
 *   <li>Preference ("conversational preference", explicit prompt):
 *       {@code {"prompt": [messages], "chosen": [{"role": "assistant", "content": ...}], "rejected": [...]}}, with
 *       TRL's optional {@code "margin"} and Kaizen's {@code "tie": true} for two answers judged equal (written only
 *       then; a reader that ignores it, as TRL does, would take the tie for a preference)</li>
 *   <li>Thumbs ("conversational unpaired preference", as KTO reads it):
 *       {@code {"prompt": [messages], "completion": [{"role": "assistant", ...}], "label": true|false}}</li>
 * </ul>
 *
 * Exports write the conversational form; each line also carries {@code "source": {"kind": ..., "ids": [...]}}
 * (the example's {@link Provenance}; TRL ignores unknown columns) unless the provenance is
 * {@link Provenance#NONE}. Imports read the conversational form and the standard one, where prompt, chosen,
 * rejected and completion are plain strings: a plain-string prompt becomes one user message. Blank lines are
 * skipped; any other unreadable line fails with a {@link DatasetFormatException} naming it.
 */
public final class JsonlFormats {

    private JsonlFormats() {
    }

    /** Writes SFT examples, one per line. */
    public static void writeSft(List<SftExample> examples, Writer out) {
        write(examples, out, e -> withSource(new JsonObject().put("messages", messages(e.messages())), e));
    }

    /** Writes preference examples, one per line ({@code margin} only when it is not 0, {@code tie} only when true). */
    public static void writePreferences(List<PreferenceExample> examples, Writer out) {
        write(examples, out, e -> {
            JsonObject json = new JsonObject()
                    .put("prompt", messages(e.prompt()))
                    .put("chosen", messages(List.of(ChatMessage.assistant(e.chosen()))))
                    .put("rejected", messages(List.of(ChatMessage.assistant(e.rejected()))));
            if (e.margin() != 0) {
                json.put("margin", e.margin());
            }
            if (e.tie()) {
                json.put("tie", true);
            }
            return withSource(json, e);
        });
    }

    /** Writes thumbs examples, one per line. */
    public static void writeThumbs(List<ThumbsExample> examples, Writer out) {
        write(examples, out, e -> withSource(new JsonObject()
                .put("prompt", messages(e.prompt()))
                .put("completion", messages(List.of(ChatMessage.assistant(e.completion()))))
                .put("label", e.label()), e));
    }

    /** Writes prompt-only lines, {@code {"prompt": [messages]}}: what TRL's online trainers (GRPO, RLOO) read. */
    public static void writePrompts(List<List<ChatMessage>> prompts, Writer out) {
        write(prompts, out, p -> new JsonObject().put("prompt", messages(p)));
    }

    /** Writes examples of the given kind, one per line; fails when an example is of another kind. */
    public static void write(DatasetKind kind, List<? extends Example> examples, Writer out) {
        switch (kind) {
            case SFT -> writeSft(cast(examples, SftExample.class), out);
            case PREFERENCE -> writePreferences(cast(examples, PreferenceExample.class), out);
            case THUMBS -> writeThumbs(cast(examples, ThumbsExample.class), out);
        }
    }

    /** Reads examples of the given kind. */
    public static List<Example> read(DatasetKind kind, Reader in) {
        return List.copyOf(switch (kind) {
            case SFT -> readSft(in);
            case PREFERENCE -> readPreferences(in);
            case THUMBS -> readThumbs(in);
        });
    }

    /**
     * Writes a dataset as {@code train.jsonl} and {@code eval.jsonl} in {@code directory} (created if need be), the
     * layout {@code datasets.load_dataset("json", data_files=...)} reads as two splits.
     */
    public static void writeDataset(Dataset<? extends Example> dataset, Path directory) throws IOException {
        writeSplits(dataset.kind(), dataset.train(), dataset.eval(), directory);
    }

    /**
     * Writes examples already split as {@code train.jsonl} and {@code eval.jsonl} in {@code directory} (created if
     * need be), as {@link #writeDataset} does for a recorded dataset.
     */
    public static void writeSplits(DatasetKind kind, List<? extends Example> train, List<? extends Example> eval,
                                   Path directory) throws IOException {
        Files.createDirectories(directory);
        for (Split split : Split.values()) {
            try (Writer out = Files.newBufferedWriter(directory.resolve(split.label() + ".jsonl"),
                    StandardCharsets.UTF_8)) {
                write(kind, split == Split.TRAIN ? train : eval, out);
            }
        }
    }

    private static <E extends Example> List<E> cast(List<? extends Example> examples, Class<E> type) {
        return examples.stream().map(type::cast).toList();
    }

    /** Reads SFT examples: {@code messages}, ending with an assistant message. */
    public static List<SftExample> readSft(Reader in) {
        return read(in, json -> new SftExample(chat(json, "messages"), source(json)));
    }

    /**
     * Reads preference examples, conversational or plain strings, with TRL's optional numeric {@code margin} and
     * Kaizen's optional boolean {@code tie}.
     */
    public static List<PreferenceExample> readPreferences(Reader in) {
        return read(in, json -> new PreferenceExample(prompt(json), answer(json, "chosen"), answer(json, "rejected"),
                source(json), margin(json), tie(json)));
    }

    private static boolean tie(JsonObject json) {
        Object value = json.getValue("tie");
        if (value != null && !(value instanceof Boolean)) {
            throw new IllegalArgumentException("\"tie\" must be true or false");
        }
        return Boolean.TRUE.equals(value);
    }

    private static double margin(JsonObject json) {
        Object value = json.getValue("margin");
        if (value == null) {
            return 0;
        }
        if (!(value instanceof Number number)) {
            throw new IllegalArgumentException("\"margin\" must be a number");
        }
        return number.doubleValue();
    }

    /** Reads thumbs examples, conversational or plain strings; {@code label} must be a boolean. */
    public static List<ThumbsExample> readThumbs(Reader in) {
        return read(in, json -> {
            Object label = json.getValue("label");
            if (!(label instanceof Boolean good)) {
                throw new IllegalArgumentException("\"label\" must be true or false");
            }
            return new ThumbsExample(prompt(json), answer(json, "completion"), good, source(json));
        });
    }

    /**
     * Reads prompt-only JSONL (TRL's prompt datasets, for PPO): {@code prompt} as a string (one user
     * message) or a list of chat messages; other fields are ignored.
     *
     * @param in the JSONL text
     * @return the prompts, in order
     * @throws DatasetFormatException naming the line of a malformed record
     */
    public static List<List<ChatMessage>> readPrompts(Reader in) {
        return read(in, JsonlFormats::prompt);
    }

    private static <E> void write(List<E> examples, Writer out, Function<E, JsonObject> toJson) {
        try {
            for (E e : examples) {
                out.write(toJson.apply(e).encode());
                out.write('\n');
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <E> List<E> read(Reader in, Function<JsonObject, E> fromJson) {
        List<E> examples = new ArrayList<>();
        BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
        long number = 0;
        try {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    examples.add(fromJson.apply(new JsonObject(line)));
                } catch (DecodeException e) {
                    throw new DatasetFormatException(number, "not a JSON object: " + e.getMessage(), e);
                } catch (RuntimeException e) {
                    throw new DatasetFormatException(number, e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return examples;
    }

    private static JsonArray messages(List<ChatMessage> messages) {
        JsonArray array = new JsonArray();
        messages.forEach(m -> array.add(new JsonObject().put("role", m.role()).put("content", m.content())));
        return array;
    }

    private static JsonObject withSource(JsonObject json, Example example) {
        Provenance p = example.provenance();
        if (!p.equals(Provenance.NONE)) {
            json.put("source", new JsonObject().put("kind", p.kind()).put("ids", new JsonArray(new ArrayList<>(p.ids()))));
        }
        return json;
    }

    private static Provenance source(JsonObject json) {
        Object source = json.getValue("source");
        if (source == null) {
            return Provenance.NONE;
        }
        if (!(source instanceof JsonObject s) || !(s.getValue("kind") instanceof String kind)) {
            throw new IllegalArgumentException("\"source\" must be an object with a \"kind\"");
        }
        List<String> ids = new ArrayList<>();
        JsonArray array = s.getJsonArray("ids", new JsonArray());
        for (Object id : array) {
            ids.add(String.valueOf(id));
        }
        return new Provenance(kind, ids);
    }

    /** A required list of chat messages. */
    private static List<ChatMessage> chat(JsonObject json, String field) {
        Object value = json.getValue(field);
        if (!(value instanceof JsonArray array)) {
            throw new IllegalArgumentException("\"" + field + "\" must be a list of messages");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (Object o : array) {
            if (!(o instanceof JsonObject m) || !(m.getValue("role") instanceof String role)
                    || !(m.getValue("content") instanceof String content)) {
                throw new IllegalArgumentException("\"" + field + "\" holds a message without a role and content");
            }
            messages.add(new ChatMessage(role, content));
        }
        return messages;
    }

    /** The prompt: a list of messages, or a string taken as one user message. */
    private static List<ChatMessage> prompt(JsonObject json) {
        Object value = json.getValue("prompt");
        if (value instanceof String text) {
            return List.of(ChatMessage.user(text));
        }
        if (value == null) {
            throw new IllegalArgumentException("\"prompt\" is missing (datasets with an implicit prompt are not read)");
        }
        return chat(json, "prompt");
    }

    /** An answer: a string, or a list holding one assistant message. */
    private static String answer(JsonObject json, String field) {
        Object value = json.getValue(field);
        if (value instanceof String text) {
            return text;
        }
        if (value == null) {
            throw new IllegalArgumentException("\"" + field + "\" is missing");
        }
        List<ChatMessage> messages = chat(json, field);
        if (messages.size() != 1 || !messages.get(0).role().equals("assistant")) {
            throw new IllegalArgumentException("\"" + field + "\" must hold exactly one assistant message");
        }
        return messages.get(0).content();
    }
}
