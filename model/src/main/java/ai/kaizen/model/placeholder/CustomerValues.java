package ai.kaizen.model.placeholder;

import ai.kaizen.model.tokenizer.ChatMessage;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values a customer gave in a conversation (order, invoice, tracking and account numbers, email address, phone
 * number, username, their own name), read from their messages, so that the answer's placeholders for them
 * ({@link CustomerSlot}) show what the customer wrote instead of "your order number". Only the customer's messages
 * are read (never the assistant's, which may have made a value up), and when a kind is given twice the latest wins.
 *
 * <p>A value is taken only where the words around it say what it is: "order 48213", "my order number is 48213",
 * "invoice #INV-2211", "my email is ...", "my name is Maria Garcia". A wrong value in an answer is worse than "your
 * order number", so the patterns are narrow: a number needs three digits and a whole word of its own, "order" used
 * as a verb ("I'd like to order 2000 cards") or before a quantity or an amount gives nothing, and a name must be
 * capitalised and introduced as the customer's own.
 */
public final class CustomerValues {

    /** No values: every customer placeholder gets its neutral phrase. */
    public static final CustomerValues NONE = new CustomerValues(Map.of());

    /** An identifier: letters, digits and inner dashes, taken whole (never the start of a longer word). */
    private static final String ID = "(?:(?<hash>#)\\s*)?(?<value>[A-Za-z0-9](?:[A-Za-z0-9-]*+))"
            + "(?![\\p{L}\\p{N}@_$€£%]|[.,/:]\\p{N})";
    /** What may stand between a number's name and the number: "number", "no.", "is", ":", "#". */
    private static final String ID_LINK = "(?<qualifier>\\s+(?:number|no\\.|no|nr\\.?|num|id|code|reference|ref\\.?)"
            + "(?![\\p{L}\\p{N}]))?(?<verb>\\s*(?::|=|\\bis\\b|\\bwas\\b|\\bshould be\\b))?\\s*";

    private static final Pattern ORDER = id("order|purchase");
    private static final Pattern INVOICE = id("invoice|bill");
    private static final Pattern TRACKING = id("tracking");
    private static final Pattern ACCOUNT = id("account");

    /** Before a bare "order 2000": the word is a verb ("to order", "I order", "please order"). */
    private static final Pattern VERB_BEFORE = Pattern.compile(
            "(?i)(?:(?:^|\\W)(?:to|i|we|you|they|can|could|would|will|shall|should|please|also|just)|'d|'ll)\\s+$");
    /** After a bare "order 2000": a quantity, not a number's name. */
    private static final Pattern QUANTITY_AFTER = Pattern.compile("(?i)^\\s*(?:units?|pieces?|pcs|items?|more|"
            + "copies|boxes|bottles|packs?|pairs?|of|x|times)\\b");
    /** After any "bill is 1500": an amount or a measure, never an identifier. */
    private static final Pattern AMOUNT_AFTER = Pattern.compile("(?i)^\\s*(?:dollars?|euros?|pounds?|usd|eur|gbp|"
            + "bucks|cents?|kg|g|lbs?|percent|days?|weeks?|months?|years?|hours?|minutes?)\\b");

    private static final String EMAIL = "(?<value>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,})"
            + "(?![\\p{L}\\p{N}@_-])";
    private static final Pattern MY_EMAIL = Pattern.compile("(?i)(?:\\bmy(?:\\s+(?:new|current|correct|registered|"
            + "personal|work|contact))?\\s+e-?mail(?:\\s+address)?(?:\\s+(?:on|for|of|linked to|associated with)\\s+"
            + "my\\s+(?:account|profile|order))?(?:\\s+(?:is|was|should be))?\\s*:?"
            + "|\\b(?:reach|contact|email|e-mail|mail|write to)\\s+me\\s+(?:at|on|via))\\s*[<\"']?" + EMAIL);

    private static final String PHONE = "(?<value>\\+?\\(?\\d[\\d ().-]{5,}\\d)(?![\\p{L}\\p{N}@_])";
    private static final Pattern MY_PHONE = Pattern.compile("(?i)(?:\\bmy(?:\\s+(?:new|current|mobile|cell|home|"
            + "work|contact))?\\s+(?:phone|mobile|cell|cellphone|telephone|contact)(?:\\s+(?:number|no\\.?|nr\\.?))?"
            + "(?:\\s+(?:is|was|should be))?\\s*:?|\\b(?:call|reach|text|contact)\\s+me\\s+(?:at|on))\\s*" + PHONE);

    private static final Pattern MY_USERNAME = Pattern.compile("(?i)\\bmy\\s+(?:username|user\\s+name|user\\s+id|"
            + "login|account\\s+name)(?:\\s+is|\\s*:)\\s*[\"']?(?<value>[A-Za-z0-9][A-Za-z0-9._-]{2,39})"
            + "(?![\\p{L}\\p{N}@_-])");
    /** Words that follow "my username is" without being one. */
    private static final Set<String> NOT_A_USERNAME = Set.of("not", "wrong", "incorrect", "invalid", "locked",
            "blocked", "the", "also", "still", "missing", "empty", "taken", "now", "different", "same", "correct",
            "right", "gone", "changed", "unknown", "forgotten", "lost", "too", "very", "being", "already");

    /** "My name is Maria Garcia": one to three capitalised words, perhaps after a title. */
    private static final Pattern MY_NAME = Pattern.compile("(?:(?i:\\bmy\\s+(?:full\\s+)?name\\s+is|\\bmy\\s+name's)"
            + "|^[ \\t]*(?i:name)[ \\t]*:)[ \\t]+(?<value>(?<title>(?:Mr|Mrs|Ms|Miss|Dr)\\.?[ \\t]+)?"
            + "\\p{Lu}[\\p{L}'-]+(?:[ \\t]+\\p{Lu}[\\p{L}'-]+){0,2})(?![\\p{L}\\p{N}])", Pattern.MULTILINE);

    private final Map<CustomerSlot, String> values;

    private CustomerValues(Map<CustomerSlot, String> values) {
        this.values = values;
    }

    /**
     * @param conversation the conversation so far; only the {@code user} messages are read
     * @return the values the customer gave, the latest of each kind
     */
    public static CustomerValues of(List<ChatMessage> conversation) {
        return fromCustomer(conversation.stream().filter(m -> "user".equals(m.role())).map(ChatMessage::content)
                .toList());
    }

    /**
     * @param messages the customer's messages, oldest first
     * @return the values given in them, the latest of each kind
     */
    public static CustomerValues fromCustomer(List<String> messages) {
        Map<CustomerSlot, String> found = new EnumMap<>(CustomerSlot.class);
        for (String message : messages) {
            identifiers(message, ORDER, CustomerSlot.ORDER_NUMBER, found);
            identifiers(message, INVOICE, CustomerSlot.INVOICE_NUMBER, found);
            identifiers(message, TRACKING, CustomerSlot.TRACKING_NUMBER, found);
            identifiers(message, ACCOUNT, CustomerSlot.ACCOUNT_NUMBER, found);
            last(MY_EMAIL, message).ifPresent(m -> found.put(CustomerSlot.EMAIL_ADDRESS, m.group("value")));
            phone(message).ifPresent(phone -> found.put(CustomerSlot.PHONE_NUMBER, phone));
            username(message).ifPresent(name -> found.put(CustomerSlot.USERNAME, name));
            last(MY_NAME, message).ifPresent(m -> {
                found.put(CustomerSlot.PERSON_NAME, m.group("value"));
                String[] words = m.group("value").substring(m.group("title") == null ? 0 : m.group("title").length())
                        .split("[ \\t]+");
                found.remove(CustomerSlot.FIRST_NAME);
                found.remove(CustomerSlot.LAST_NAME);
                if (m.group("title") == null) {
                    found.put(CustomerSlot.FIRST_NAME, words[0]);
                }
                if (m.group("title") != null || words.length > 1) {
                    found.put(CustomerSlot.LAST_NAME, words[words.length - 1]);
                }
            });
        }
        return found.isEmpty() ? NONE : new CustomerValues(Collections.unmodifiableMap(found));
    }

    /**
     * @param slot a kind of value
     * @return the customer's value of that kind, if they gave one
     */
    public Optional<String> get(CustomerSlot slot) {
        return Optional.ofNullable(values.get(slot));
    }

    /** @return every value given, by kind */
    public Map<CustomerSlot, String> asMap() {
        return values;
    }

    /**
     * @param otherwise what every other placeholder becomes (the company's values, neutral phrases)
     * @return a fill for {@link PlaceholderFiller}: the customer's value where the placeholder stands for one they
     *     gave, {@code otherwise} for the rest
     */
    public UnaryOperator<String> before(UnaryOperator<String> otherwise) {
        return name -> CustomerSlot.of(name).map(values::get).orElseGet(() -> otherwise.apply(name));
    }

    /** "order 48213", "order number: #48213", ... the last one in the message. */
    private static void identifiers(String message, Pattern pattern, CustomerSlot slot,
            Map<CustomerSlot, String> found) {
        Matcher m = pattern.matcher(message);
        while (m.find()) {
            String value = m.group("value").replaceAll("-+$", "");
            boolean bare = m.group("qualifier") == null && m.group("verb") == null && m.group("hash") == null;
            if (value.chars().filter(Character::isDigit).count() < (bare ? 4 : 3) || value.length() > 40) {
                continue;
            }
            String after = message.substring(m.end());
            if (AMOUNT_AFTER.matcher(after).find() || bare && (QUANTITY_AFTER.matcher(after).find()
                    || VERB_BEFORE.matcher(message.substring(0, m.start())).find())) {
                continue;
            }
            found.put(slot, m.group("hash") == null ? value : "#" + value);
        }
    }

    private static Optional<String> phone(String message) {
        Optional<String> phone = Optional.empty();
        Matcher m = MY_PHONE.matcher(message);
        while (m.find()) {
            String value = m.group("value").strip();
            long digits = value.chars().filter(Character::isDigit).count();
            if (digits >= 7 && digits <= 15) {
                phone = Optional.of(value);
            }
        }
        return phone;
    }

    private static Optional<String> username(String message) {
        Optional<String> name = Optional.empty();
        Matcher m = MY_USERNAME.matcher(message);
        while (m.find()) {
            String value = m.group("value").replaceAll("[.-]+$", "");
            if (!NOT_A_USERNAME.contains(value.toLowerCase(java.util.Locale.ROOT)) && value.length() >= 3) {
                name = Optional.of(value);
            }
        }
        return name;
    }

    private static Optional<Matcher> last(Pattern pattern, String message) {
        Matcher m = pattern.matcher(message);
        Matcher last = null;
        while (m.find()) {
            last = pattern.matcher(message);
            last.find(m.start());
        }
        return Optional.ofNullable(last);
    }

    /** "{names}" followed by an identifier, and what may stand between them. */
    private static Pattern id(String names) {
        return Pattern.compile("(?i)(?<![\\p{L}\\p{N}])(?:" + names + ")(?![\\p{L}\\p{N}])" + ID_LINK + ID);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
