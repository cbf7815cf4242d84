package ai.kaizen.server.review;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The guidelines shown beside review tasks, read from a JSON file in the shape of the company rules of the ABCD data
 * ({@code guidelines.json}): sections by name, each with a {@code description} and {@code subflows} by name, each
 * with {@code actions}, each with a {@code text} and optional {@code subtext} lines. Operators replace the file
 * ({@code review.guidelines}); without one the built-in reviewing rules are shown.
 */
public record Guidelines(List<Section> sections) {

    /** A top-level section, e.g. "Product Defect". */
    public record Section(String title, String description, List<Topic> topics) {
    }

    /** A subflow, e.g. "Initiate Refund", and its steps. */
    public record Topic(String title, List<Step> steps) {
    }

    /** One rule, with its detail lines. */
    public record Step(String text, List<String> details) {
    }

    private static final String BUILT_IN = "guidelines/review-guidelines.json";

    /** The file's guidelines, or the built-in ones when there is no file. */
    public static Guidelines load(Optional<Path> file) {
        try {
            if (file.isPresent()) {
                return parse(Files.readString(file.get(), StandardCharsets.UTF_8), file.get().toString());
            }
            try (InputStream in = Guidelines.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
                if (in == null) {
                    throw new IllegalStateException("the built-in guidelines " + BUILT_IN + " are missing");
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), BUILT_IN);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the guidelines: " + e.getMessage(), e);
        }
    }

    /**
     * Reads guidelines from JSON text.
     *
     * @throws IllegalArgumentException naming {@code source} and what is wrong
     */
    public static Guidelines parse(String json, String source) {
        JsonObject root;
        try {
            root = new JsonObject(json);
        } catch (DecodeException | ClassCastException e) {
            throw new IllegalArgumentException(source + " is not a JSON object of sections");
        }
        List<Section> sections = new ArrayList<>();
        for (Map.Entry<String, Object> s : root) {
            if (!(s.getValue() instanceof JsonObject section)) {
                throw new IllegalArgumentException(source + ": section '" + s.getKey() + "' is not an object");
            }
            List<Topic> topics = new ArrayList<>();
            JsonObject subflows = section.getJsonObject("subflows", new JsonObject());
            for (Map.Entry<String, Object> t : subflows) {
                List<Step> steps = new ArrayList<>();
                JsonArray actions = t.getValue() instanceof JsonObject topic
                        ? topic.getJsonArray("actions", new JsonArray()) : new JsonArray();
                for (Object a : actions) {
                    if (a instanceof JsonObject action && action.getValue("text") instanceof String text) {
                        List<String> details = new ArrayList<>();
                        action.getJsonArray("subtext", new JsonArray()).forEach(d -> details.add(String.valueOf(d)));
                        steps.add(new Step(text, details));
                    }
                }
                topics.add(new Topic(t.getKey(), steps));
            }
            sections.add(new Section(s.getKey(), section.getString("description", ""), topics));
        }
        return new Guidelines(sections);
    }
}
