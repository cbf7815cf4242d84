package ai.kaizen.trainer.starter;

import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import ai.kaizen.trainer.dataset.BitextImport.Mention;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values customers give (order numbers, invoice numbers, names, account types, places, amounts) and how a
 * conversation carries them. Bitext marks such a value in about a third of its messages, but uses five order
 * numbers and four invoice numbers throughout: a model trained on them as they are learns those numbers, and
 * invents one of them when a customer gave another. So every exchange gets fresh values of the same kind, in the
 * message and in the answer alike, and the model learns to copy what the customer wrote.
 *
 * <p>A fact can also be told a turn earlier ("My order number is 48213.") and referred to in the request ("I want
 * to cancel the order I mentioned"): {@link #carryOver} builds that pair of turns, the answer to the second
 * repeating the value given in the first.
 *
 * <p>Order and invoice numbers are the exception: answers write them as Bitext's placeholders
 * ({@code {{Order Number Anonymized}}}), which the server fills with the number the customer gave anywhere in the
 * conversation. A small model copies a name or a city a few turns back well, but a string of digits it garbles or
 * makes up; so the model learns to name the number and never to write one, and the number shown is the customer's.
 *
 * <p>Templates come in two sets: the training set, and a held-out set the evaluation uses, so the carry-over score
 * measures a skill rather than recall of the training sentences.
 */
public final class CustomerFacts {

    /** What to say and how to refer to one kind of value. */
    private record Kind(List<String> trainFacts, List<String> heldOutFacts, List<String> acknowledgements,
            List<String> references) {}

    /** The placeholders answers write for the kinds of value the server fills from the customer's messages. */
    private static final Map<String, String> PLACEHOLDERS = Map.of(
            "order_id", "{{Order Number Anonymized}}",
            "invoice_id", "{{Invoice Number Anonymized}}");

    private static final List<String> FIRST_NAMES = List.of("Maria", "James", "Aisha", "Chen", "Lucas", "Priya",
            "Omar", "Sofia", "Daniel", "Yuki", "Fatima", "Noah", "Elena", "Kwame", "Hannah", "Mateo", "Leila", "Ivan",
            "Grace", "Tomas", "Amara", "Felix", "Nadia", "Oscar", "Ingrid", "Rahul", "Zoe", "Hugo", "Mei", "Samuel");
    private static final List<String> LAST_NAMES = List.of("Garcia", "Okafor", "Nguyen", "Schmidt", "Rossi",
            "Kowalski", "Haddad", "Silva", "Andersen", "Tanaka", "Murphy", "Novak", "Patel", "Dubois", "Costa",
            "Fischer", "Moreau", "Jensen", "Reyes", "Walsh", "Ito", "Mensah", "Larsen", "Petrov", "Hughes");
    private static final List<String> ACCOUNT_TYPES = List.of("free", "standard", "premium", "gold", "platinum",
            "pro", "business", "family", "student", "basic", "freemium", "enterprise", "plus", "silver");
    private static final List<String> CITIES = List.of("Lisbon", "Nairobi", "Osaka", "Denver", "Krakow", "Lyon",
            "Austin", "Porto", "Glasgow", "Seville", "Melbourne", "Bogota", "Hamburg", "Leeds", "Turin", "Calgary",
            "Phoenix", "Gothenburg", "Antwerp", "Dallas", "Quito", "Cork", "Bergen", "Pune", "Accra", "Graz");
    private static final List<String> COUNTRIES = List.of("Portugal", "Kenya", "Norway", "Chile", "Poland",
            "Ireland", "Italy", "Brazil", "Germany", "Spain", "Australia", "India", "Egypt", "Sweden", "Austria",
            "Greece", "Peru", "Vietnam", "Morocco", "Belgium", "Denmark", "Colombia", "Ghana", "Iceland");

    private static final Map<String, Kind> KINDS = Map.of(
            "order_id", new Kind(
                    List.of("My order number is {v}.", "Hi, I placed order {v} a few days ago.", "Order number: {v}",
                            "hello, this is about my purchase {v}", "I'm writing about order {v}.",
                            "I have an order with the number {v}."),
                    List.of("The order number is {v}.", "Hi there, my order is {v}.", "it's regarding order {v}"),
                    List.of("Thank you! I have noted your order number {v}. How can I help you with this order?",
                            "Thanks for sharing the order number {v}. What can I do for you regarding this order?",
                            "Got it, order {v}. How may I assist you with it?"),
                    List.of("", "I mentioned", "I told you about")),
            "invoice_id", new Kind(
                    List.of("My invoice number is {v}.", "It's about invoice {v}.", "I have a question on bill {v}",
                            "invoice {v} is the one I mean"),
                    List.of("The invoice number is {v}.", "hi, my bill number is {v}"),
                    List.of("Thank you, I have noted invoice {v}. What would you like to do with it?",
                            "Thanks! Invoice {v} it is. How can I help you with it?"),
                    List.of("", "I mentioned")),
            "person_name", new Kind(
                    List.of("The name on the account is {v}.", "This is about {v}.", "It's for {v}.",
                            "I'm asking on behalf of {v}."),
                    List.of("The person is {v}.", "it concerns {v}"),
                    List.of("Thank you, I have noted the name {v}. How can I help?",
                            "Thanks, noted: {v}. What can I do for you?"),
                    List.of("that person", "the person I mentioned")),
            "account_type", new Kind(
                    List.of("I have a {v} account.", "My account is a {v} one.", "I'm on the {v} plan."),
                    List.of("My plan is {v}.", "i use a {v} account"),
                    List.of("Thank you, noted: a {v} account. What can I do for you?",
                            "Thanks! I see you mentioned the {v} plan. How can I help?"),
                    List.of("that")),
            "delivery_city", new Kind(
                    List.of("I live in {v}.", "I'm based in {v}.", "My address is in {v}."),
                    List.of("I'm from {v}.", "we are located in {v}"),
                    List.of("Thanks, noted: {v}. How can I help you?", "Thank you! {v} it is. What can I do for you?"),
                    List.of("my city", "where I live")),
            "delivery_country", new Kind(
                    List.of("I live in {v}.", "I'm in {v}.", "My home is in {v}."),
                    List.of("I'm from {v}.", "we are located in {v}"),
                    List.of("Thanks, noted: {v}. How can I help you?", "Thank you! {v} it is. What can I do for you?"),
                    List.of("my country", "where I live")),
            "refund_amount", new Kind(
                    List.of("The amount is ${v}.", "I paid {v} dollars.", "It was a charge of ${v}."),
                    List.of("I was charged ${v}.", "the sum is {v} dollars"),
                    List.of("Thank you, I have noted the amount of ${v}. How can I help?",
                            "Thanks! ${v}, noted. What can I do for you?"),
                    List.of("that amount", "the amount I mentioned")));

    private CustomerFacts() {
    }

    /**
     * One exchange with its values made fresh.
     *
     * @param message the customer message
     * @param answer the answer, repeating the message's value where the original did (as its placeholder for an
     *     order or invoice number)
     * @param value the value now in both, or null when the row marks none the answer repeats
     * @param type the value's kind, or null
     */
    public record Exchange(String message, String answer, String value, String type) {}

    /**
     * Two turns that carry a value: the customer gives it, the assistant acknowledges it, the customer asks
     * without repeating it, and the answer uses it.
     *
     * @param fact the customer's first message, giving the value
     * @param acknowledgement the assistant's reply to it, as the model writes it (an order or invoice number as its
     *     placeholder)
     * @param request the customer's request, referring to the value without writing it
     * @param answer the answer to the request, with the value (or its placeholder)
     * @param value the value
     * @param shownAcknowledgement the reply as the customer saw it, the value in place of its placeholder (what an
     *     API client sends back as the conversation's history)
     */
    public record CarryOver(String fact, String acknowledgement, String request, String answer, String value,
            String shownAcknowledgement) {}

    /**
     * @param row a Bitext row
     * @return whether the row marks a value of a known kind that its answer repeats (so it can be made fresh)
     */
    public static boolean carriesValue(LabelledRow row) {
        Mention m = row.mention();
        if (m == null || !KINDS.containsKey(m.type())) {
            return false;
        }
        String value = m.text(row.instruction());
        return PLACEHOLDERS.containsKey(m.type())
                ? NUMBER.matcher(row.response()).results().anyMatch(n -> sameNumber(n.group(), value))
                : occurrence(row.response(), value).find();
    }

    /**
     * @param row a Bitext row
     * @param random the draw of the fresh value
     * @return the row's exchange with a fresh value where it carries one, as it is otherwise
     */
    public static Exchange fresh(LabelledRow row, Random random) {
        if (!carriesValue(row)) {
            return new Exchange(row.instruction(), row.response(), null, null);
        }
        Mention m = row.mention();
        String original = m.text(row.instruction());
        String value = freshValue(m.type(), original, random);
        String message = row.instruction().substring(0, m.start()) + value + row.instruction().substring(m.end());
        String placeholder = PLACEHOLDERS.get(m.type());
        String answer = placeholder == null
                ? occurrence(row.response(), original).replaceAll(Matcher.quoteReplacement(value))
                : NUMBER.matcher(row.response()).replaceAll(n -> Matcher.quoteReplacement(
                        sameNumber(n.group(), original) ? placeholder : n.group()));
        return new Exchange(message, answer, value, m.type());
    }

    /**
     * @param row a Bitext row that {@link #carriesValue carries a value}
     * @param random the draw of the value and the wording
     * @param heldOut whether to word the fact with the held-out templates (for evaluation)
     * @return the two turns
     */
    public static CarryOver carryOver(LabelledRow row, Random random, boolean heldOut) {
        if (!carriesValue(row)) {
            throw new IllegalArgumentException("the row carries no value: " + row.instruction());
        }
        Exchange exchange = fresh(row, random);
        Kind kind = KINDS.get(exchange.type());
        String fact = pick(heldOut ? kind.heldOutFacts() : kind.trainFacts(), random).replace("{v}", exchange.value());
        String acknowledgement = pick(kind.acknowledgements(), random);
        Mention m = row.mention();
        String request = referTo(row.instruction(), m, pick(kind.references(), random));
        return new CarryOver(fact,
                acknowledgement.replace("{v}", PLACEHOLDERS.getOrDefault(exchange.type(), exchange.value())),
                request, exchange.answer(), exchange.value(), acknowledgement.replace("{v}", exchange.value()));
    }

    /** The message with its value replaced by a reference to what the customer said before. */
    static String referTo(String message, Mention m, String reference) {
        String before = message.substring(0, m.start());
        String after = message.substring(m.end());
        if ("refund_amount".equals(m.type())) {
            before = before.replaceAll("\\$\\s*$", "");
            after = after.replaceFirst("^\\s*(dollars|dollar|usd|bucks)\\b", "");
        }
        if ("that".equals(reference) && before.matches("(?is).*\\ban?\\s+$")) {
            before = before.replaceAll("(?i)\\ban?\\s+$", "");
            reference = "that kind of";
        }
        String text = before + reference + after;
        return text.replaceAll("\\s{2,}", " ").replaceAll("\\s+([?.!,])", "$1").strip();
    }

    private static String freshValue(String type, String original, Random random) {
        return switch (type) {
            case "order_id" -> digits(random, 5 + random.nextInt(10));
            case "invoice_id" -> original.startsWith("#") || random.nextBoolean()
                    ? "#" + digits(random, 5) : "INV-" + digits(random, 6);
            case "person_name" -> random.nextInt(4) == 0
                    ? (random.nextBoolean() ? "Mr. " : "Ms. ") + pick(LAST_NAMES, random)
                    : pick(FIRST_NAMES, random) + " " + pick(LAST_NAMES, random);
            case "account_type" -> sameCase(pick(ACCOUNT_TYPES, random), original);
            case "delivery_city" -> pick(CITIES, random);
            case "delivery_country" -> pick(COUNTRIES, random);
            case "refund_amount" -> Integer.toString(1 + random.nextInt(2500));
            default -> throw new IllegalArgumentException("unknown value kind " + type);
        };
    }

    /** A number in an answer, with the {@code #} an invoice number may have. */
    private static final Pattern NUMBER = Pattern.compile("(?<![\\p{L}\\p{N}#])#?\\d{3,}(?![\\p{L}\\p{N}])");

    /**
     * Whether an answer's number is the message's: Bitext's answers often write it otherwise, without its {@code #}
     * or with leading zeros ("#00108" and "00108", "123842" and "00123842"), or with digits added ("3707955617" in
     * the message, "370795561790" in the answer). Left as they are, those rows teach the model Bitext's few numbers.
     */
    static boolean sameNumber(String inAnswer, String inMessage) {
        String a = significantDigits(inAnswer);
        String b = significantDigits(inMessage);
        return a.length() >= 3 && b.length() >= 3 && (a.startsWith(b) || b.startsWith(a));
    }

    private static String significantDigits(String number) {
        return number.replaceAll("\\D", "").replaceFirst("^0+", "");
    }

    /** Where the answer repeats the value: as a whole word, in any case (Bitext capitalises account types). */
    private static Matcher occurrence(String text, String value) {
        return Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(value) + "(?![\\p{L}\\p{N}])",
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE).matcher(text);
    }

    private static String digits(Random random, int length) {
        StringBuilder out = new StringBuilder(length);
        out.append(1 + random.nextInt(9));
        for (int i = 1; i < length; i++) {
            out.append(random.nextInt(10));
        }
        return out.toString();
    }

    private static String sameCase(String value, String like) {
        return Character.isUpperCase(like.charAt(0))
                ? value.substring(0, 1).toUpperCase(Locale.ROOT) + value.substring(1) : value;
    }

    static <T> T pick(List<T> items, Random random) {
        return items.get(random.nextInt(items.size()));
    }
}
