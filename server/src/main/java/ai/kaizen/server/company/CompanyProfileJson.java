package ai.kaizen.server.company;

import ai.kaizen.db.company.CompanyProfile;
import ai.kaizen.model.placeholder.PlaceholderFiller;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The company profile as the console's API reads and writes it: {@code name}, {@code website_name},
 * {@code website_url}, {@code support_phone}, {@code support_email}, {@code support_hours}, {@code live_chat} (each a
 * string, or null for none) and {@code extra} (an object of placeholder names and their values). A body is checked
 * whole, and the first problem is answered as a 400 naming the field.
 */
public final class CompanyProfileJson {

    /** A body that cannot be a company profile (400). */
    public static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    static final int MAX_TEXT = 200;
    static final int MAX_URL = 500;
    static final int MAX_EXTRA = 300;
    static final int MAX_EXTRA_VALUE = 500;

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s.]+");
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9A-Za-z ()./-]{3,40}");

    private CompanyProfileJson() {
    }

    /** The profile with its version, who saved it and when (null for the profile nobody saved). */
    public static JsonObject write(CompanyProfile p) {
        return new JsonObject()
                .put("version", p.version())
                .put("name", p.name())
                .put("website_name", p.websiteName())
                .put("website_url", p.websiteUrl())
                .put("support_phone", p.supportPhone())
                .put("support_email", p.supportEmail())
                .put("support_hours", p.supportHours())
                .put("live_chat", p.liveChat())
                .put("extra", new JsonObject(new LinkedHashMap<>(p.extra())))
                .put("saved_by", p.savedBy())
                .put("saved_at", p.savedAt() == null ? null : p.savedAt().toString());
    }

    /**
     * The profile a PUT body asks for; a field left out keeps its value in {@code current}, null or an empty string
     * clears it, and {@code extra}, when given, replaces all the extra values.
     *
     * @throws Invalid naming the first field that is wrong
     */
    public static CompanyProfile read(JsonObject body, CompanyProfile current) {
        for (String field : body.fieldNames()) {
            if (!java.util.Set.of("name", "website_name", "website_url", "support_phone", "support_email",
                    "support_hours", "live_chat", "extra", "version", "saved_by", "saved_at").contains(field)) {
                throw new Invalid("unknown field '" + field + "'");
            }
        }
        String name = text(body, "name", current.name(), MAX_TEXT);
        String websiteName = text(body, "website_name", current.websiteName(), MAX_TEXT);
        String websiteUrl = text(body, "website_url", current.websiteUrl(), MAX_URL);
        if (websiteUrl != null) {
            checkUrl(websiteUrl);
        }
        String phone = text(body, "support_phone", current.supportPhone(), 40);
        if (phone != null && (!PHONE.matcher(phone).matches() || phone.chars().filter(Character::isDigit).count() < 3)) {
            throw new Invalid("support_phone must be a phone number (digits, spaces, + ( ) - . /), not '" + phone + "'");
        }
        String email = text(body, "support_email", current.supportEmail(), 254);
        if (email != null && !EMAIL.matcher(email).matches()) {
            throw new Invalid("support_email must be an email address such as support@example.com, not '"
                    + email + "'");
        }
        String hours = text(body, "support_hours", current.supportHours(), MAX_TEXT);
        String liveChat = text(body, "live_chat", current.liveChat(), MAX_TEXT);
        Map<String, String> extra = body.containsKey("extra") ? extra(body.getValue("extra")) : current.extra();
        return new CompanyProfile(0, name, websiteName, websiteUrl, phone, email, hours, liveChat, extra, null, null);
    }

    private static Map<String, String> extra(Object value) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof JsonObject object)) {
            throw new Invalid("extra must be an object of placeholder names and their values");
        }
        if (object.size() > MAX_EXTRA) {
            throw new Invalid("extra may hold at most " + MAX_EXTRA + " placeholders, not " + object.size());
        }
        Map<String, String> extra = new LinkedHashMap<>();
        Map<String, String> seen = new java.util.HashMap<>();
        for (Map.Entry<String, Object> e : object) {
            String placeholder = placeholderName(e.getKey());
            if (!(e.getValue() instanceof String text) || text.isBlank()) {
                throw new Invalid("the value of extra placeholder '" + placeholder + "' must be a non-empty string");
            }
            String other = seen.put(PlaceholderValues.key(placeholder), placeholder);
            if (other != null) {
                throw new Invalid("extra names the placeholder '" + placeholder + "' twice (as '" + other
                        + "' too; case and spacing do not count)");
            }
            extra.put(placeholder, checked("extra." + placeholder, text.strip(), MAX_EXTRA_VALUE));
        }
        return extra;
    }

    /** A placeholder's name, given with or without its braces. */
    private static String placeholderName(String key) {
        String name = key.strip();
        if (name.startsWith("{{") && name.endsWith("}}") && name.length() >= 4) {
            name = name.substring(2, name.length() - 2).strip();
        }
        if (name.isEmpty() || name.length() > PlaceholderFiller.MAX_NAME || name.contains("{") || name.contains("}")
                || name.contains("\n") || name.contains("\r")) {
            throw new Invalid("'" + key + "' is not a placeholder name: 1 to " + PlaceholderFiller.MAX_NAME
                    + " characters on one line, such as Refund Policy for {{Refund Policy}}");
        }
        return name;
    }

    private static String text(JsonObject body, String field, String current, int max) {
        if (!body.containsKey(field)) {
            return current;
        }
        Object value = body.getValue(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw new Invalid(field + " must be a string or null");
        }
        String stripped = text.strip();
        return stripped.isEmpty() ? null : checked(field, stripped, max);
    }

    /** A value shown to customers in place of a placeholder: one line, no double braces, at most {@code max}. */
    private static String checked(String field, String value, int max) {
        if (value.length() > max) {
            throw new Invalid(field + " may have at most " + max + " characters, not " + value.length());
        }
        if (value.contains("\n") || value.contains("\r")) {
            throw new Invalid(field + " must be on one line");
        }
        if (value.contains("{{") || value.contains("}}")) {
            throw new Invalid(field + " must not contain {{ or }}: customers would see them");
        }
        return value;
    }

    private static void checkUrl(String url) {
        try {
            URI uri = new URI(url);
            if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null) {
                return;
            }
        } catch (URISyntaxException e) {
            // answered below
        }
        throw new Invalid("website_url must be an http or https address such as https://www.example.com, not '"
                + url + "'");
    }
}
