package ai.kaizen.model.placeholder;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A kind of value only the customer can give (an order number, their name, ...): the placeholder names that stand for
 * it in the answers the model learnt from, each with the neutral phrase said while the customer has not given it.
 * Such a value is never made up: it comes from the conversation ({@link CustomerValues}) or not at all.
 *
 * <p>The names are those of the Bitext answers ({@code {{Order Number Anonymized}}}, {@code {{Name Field Anonymized}}},
 * a bare made-up number such as {@code {{370795561790}}}) and their plain forms; the company's own phone and email
 * ({@code {{Phone Number}}}, {@code {{Email}}} in Bitext) are not the customer's and are not here.
 */
public enum CustomerSlot {

    ORDER_NUMBER(Map.of("order number", "your order number", "order id", "your order number",
            "purchase number", "your purchase number",
            "purchase id", "your purchase number")),
    INVOICE_NUMBER(Map.of("invoice number", "your invoice number", "invoice id", "your invoice number",
            "bill number", "your bill number", "bill id", "your bill number")),
    TRACKING_NUMBER(Map.of("tracking number", "your tracking number", "tracking id", "your tracking number",
            "tracking code", "your tracking number")),
    ACCOUNT_NUMBER(Map.of("account number", "your account number", "account id", "your account number")),
    USERNAME(Map.of("username", "your username", "user name", "your username", "account name", "your username")),
    EMAIL_ADDRESS(Map.of("email address", "your email address", "customer email", "your email address",
            "customer email address", "your email address", "client email", "your email address",
            "client email address", "your email address")),
    PHONE_NUMBER(Map.of("customer phone number", "your phone number", "client phone number", "your phone number",
            "mobile number", "your mobile number")),
    PERSON_NAME(Map.of("person name", "valued customer", "client name", "valued customer",
            "customer name", "valued customer", "name field", "your name")),
    FIRST_NAME(Map.of("client first name", "valued customer", "customer first name", "valued customer")),
    LAST_NAME(Map.of("client last name", "valued customer", "customer last name", "valued customer"));

    private static final String ANONYMIZED = " anonymized";
    private static final Map<String, CustomerSlot> BY_NAME = new HashMap<>();

    static {
        for (CustomerSlot slot : values()) {
            slot.neutral.keySet().forEach(name -> BY_NAME.put(name, slot));
        }
    }

    /** Each name (as {@link #key} writes it, without "anonymized") and what to say while the value is unknown. */
    private final Map<String, String> neutral;

    CustomerSlot(Map<String, String> neutral) {
        this.neutral = neutral;
    }

    /**
     * @param placeholder a placeholder's name, as written between the braces
     * @return the customer's value it stands for, if any
     */
    public static Optional<CustomerSlot> of(String placeholder) {
        String base = base(placeholder);
        if (!base.isEmpty() && base.chars().allMatch(c -> Character.isDigit(c) || c == ' ' || c == '-')
                && base.chars().anyMatch(Character::isDigit)) {
            return Optional.of(ORDER_NUMBER); // a number the model made up, most often an order's
        }
        return Optional.ofNullable(BY_NAME.get(base));
    }

    /**
     * @param placeholder a placeholder's name standing for a customer's value
     * @return what to say instead while the customer has not given the value ("your order number", ...)
     */
    public static Optional<String> neutralPhrase(String placeholder) {
        return of(placeholder).map(slot -> slot.neutral.getOrDefault(base(placeholder), "your order number"));
    }

    /**
     * @param placeholder a placeholder's name
     * @return how names are compared: lower case, one space between words, without quotes
     */
    public static String key(String placeholder) {
        return placeholder.replace("\"", "").replaceAll("\\s+", " ").strip().toLowerCase(Locale.ROOT);
    }

    /** The key without the Bitext data's "Anonymized" suffix. */
    private static String base(String placeholder) {
        String key = key(placeholder);
        return key.endsWith(ANONYMIZED) ? key.substring(0, key.length() - ANONYMIZED.length()).strip() : key;
    }
}
