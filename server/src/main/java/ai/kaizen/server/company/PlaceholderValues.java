package ai.kaizen.server.company;

import ai.kaizen.db.company.CompanyProfile;
import ai.kaizen.model.placeholder.CustomerSlot;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What each placeholder becomes with a company profile. In order: the profile's extra values (by name, ignoring case
 * and spacing); the profile's fields, under every name the Bitext answers give them ({@code {{Website Name}}},
 * {@code {{Customer Support Phone Number}}}, {@code {{Customer Service Hours}}}, ...); and for the rest a neutral
 * phrase: a company field the profile leaves empty becomes "our website", "our customer support phone line", ...;
 * the customer's own data ({@code {{Order Number Anonymized}}}, {@code {{Person Name}}}, a bare number: a
 * {@link CustomerSlot}) becomes "your order number", "valued customer", ...; anything else, mostly the names of
 * buttons and pages ({@code {{Order History}}}), its own words. The values the customer gave in the conversation come
 * before all these ({@link ai.kaizen.model.placeholder.CustomerValues#before}).
 */
public final class PlaceholderValues implements UnaryOperator<String> {

    private enum Field {
        NAME("our company", "company name", "company", "business name"),
        WEBSITE_NAME("our website", "website name", "website", "website or app", "website/app name",
                "service website", "website or app name", "app name"),
        WEBSITE_URL("our website", "website url", "company website", "website address", "url"),
        PHONE("our customer support phone line", "customer support phone number", "support phone number",
                "customer service phone number", "customer assistance phone number", "phone number",
                "complaint phone number", "phone", "support phone", "customer support phone"),
        EMAIL("our customer support email", "customer support email", "customer support email address",
                "support email", "support email address", "customer service email",
                "customer service email address", "complaint email address", "feedback email address"),
        HOURS("our support hours", "customer support availability", "customer support hours",
                "customer service hours", "customer assistance hours", "support team availability",
                "operating hours", "business hours", "support hours"),
        LIVE_CHAT("live chat", "live chat", "chat", "live chat support");

        final String neutral;
        final Set<String> names;

        Field(String neutral, String... names) {
            this.neutral = neutral;
            this.names = Set.of(names);
        }
    }

    /** Other details of the customer's that no conversation value fills: what to say instead. */
    private static final Map<String, String> CUSTOMER_DATA = Map.of(
            "delivery city", "your city",
            "number of days", "a few");

    private final Map<String, String> values = new HashMap<>();

    public PlaceholderValues(CompanyProfile profile) {
        Map<Field, String> fields = Map.of(
                Field.NAME, orEmpty(profile.name()),
                Field.WEBSITE_NAME, orEmpty(profile.websiteName() != null ? profile.websiteName() : profile.name()),
                Field.WEBSITE_URL, orEmpty(profile.websiteUrl()),
                Field.PHONE, orEmpty(profile.supportPhone()),
                Field.EMAIL, orEmpty(profile.supportEmail()),
                Field.HOURS, orEmpty(profile.supportHours()),
                Field.LIVE_CHAT, orEmpty(profile.liveChat()));
        for (Field field : Field.values()) {
            String value = fields.get(field).isBlank() ? field.neutral : fields.get(field);
            field.names.forEach(name -> values.put(name, value));
        }
        profile.extra().forEach((name, value) -> values.put(key(name), value));
    }

    /** The value of the placeholder {@code name} (as written between the braces). */
    @Override
    public String apply(String name) {
        String key = key(name);
        String value = values.get(key);
        if (value != null) {
            return value;
        }
        boolean anonymized = key.endsWith(" anonymized");
        String base = anonymized ? key.substring(0, key.length() - " anonymized".length()).strip() : key;
        value = values.containsKey(base) ? values.get(base)
                : CustomerSlot.neutralPhrase(name).orElse(CUSTOMER_DATA.get(base));
        if (value != null) {
            return value;
        }
        String words = words(name);
        if (anonymized) {
            return "your " + words.substring(0, words.length() - " anonymized".length()).strip()
                    .toLowerCase(Locale.ROOT);
        }
        return words;
    }

    /** The name as it is looked up: lower case, one space between words, without quotes. */
    static String key(String name) {
        return CustomerSlot.key(name);
    }

    private static String words(String name) {
        return name.replace("\"", "").replaceAll("\\s+", " ").strip();
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
