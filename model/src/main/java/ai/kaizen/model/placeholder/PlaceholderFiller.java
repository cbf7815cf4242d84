package ai.kaizen.model.placeholder;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Fills the {@code {{Name}}} placeholders of an answer as it streams: each piece of text given to {@link #accept}
 * comes back with the placeholders it completes replaced (by {@code fill}, which gets the name between the braces),
 * holding back only what may still become one (an opening brace, or two and the name read so far) or a closing
 * brace that may be the first of a stray pair; {@link #finish} releases the rest at the end of the answer.
 *
 * <p>Double braces never come out, whatever the model writes: two opening braces that are not closed (two more
 * opening braces first, a line break, a name longer than {@value #MAX_NAME} characters, or the end of the answer) and
 * two stray closing ones are dropped, and the words between them kept; runs of three or more braces count as two (so
 * three braces around a name make one placeholder), and a brace that dropped text would put next to the same brace
 * goes too. Single braces pass through. The text that comes out is the same however the answer is cut into pieces.
 * Not thread-safe: one filler per answer, fed in order.
 */
public final class PlaceholderFiller {

    /** The longest placeholder name; the longest in the Bitext answers has 57 characters. */
    public static final int MAX_NAME = 80;

    private final UnaryOperator<String> fill;
    /** Text received but not yet given back: empty, or starting with a brace. */
    private final StringBuilder held = new StringBuilder();
    /** Whether the last thing given back was a filled placeholder, whose extra closing braces are dropped. */
    private boolean afterPlaceholder;
    /** The last character given back, so that dropping text never joins two braces into a double one. */
    private char last;

    public PlaceholderFiller(UnaryOperator<String> fill) {
        this.fill = Objects.requireNonNull(fill);
    }

    /** Fills a whole text at once. */
    public static String fillAll(String text, UnaryOperator<String> fill) {
        PlaceholderFiller filler = new PlaceholderFiller(fill);
        return filler.accept(text) + filler.finish();
    }

    /** The next piece of the answer; returns what may be shown now (possibly empty). */
    public String accept(String piece) {
        held.append(piece);
        return drain(false);
    }

    /** The end of the answer: what was held back, without any unclosed placeholder's braces. */
    public String finish() {
        return drain(true);
    }

    private String drain(boolean atEnd) {
        StringBuilder out = new StringBuilder();
        String text = held.toString();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '}' && afterPlaceholder) {
                i++; // the third brace of {{{Name}}}
                continue;
            }
            afterPlaceholder = false;
            if (c == '{') {
                if (i + 1 == text.length()) {
                    if (!atEnd) {
                        break; // maybe the first half of {{
                    }
                    out.append(c);
                    i++;
                } else if (text.charAt(i + 1) != '{') {
                    out.append(c);
                    i++;
                } else {
                    int consumed = placeholder(text, i, atEnd, out);
                    if (consumed == 0) {
                        break; // undecided: wait for more
                    }
                    i += consumed;
                }
            } else if (c == '}') {
                if (i + 1 == text.length()) {
                    if (!atEnd) {
                        break; // maybe the first half of a stray }}
                    }
                    out.append(c);
                    i++;
                } else if (text.charAt(i + 1) == '}') {
                    int end = skip(text, i, '}');
                    if (end == text.length() && !atEnd) {
                        break; // the run of braces may go on
                    }
                    i = end; // a stray }}: dropped
                } else {
                    out.append(c);
                    i++;
                }
            } else {
                int next = nextBrace(text, i);
                out.append(text, i, next);
                i = next;
            }
        }
        held.delete(0, i);
        if (atEnd) {
            held.setLength(0);
            afterPlaceholder = false;
        }
        String shown = withoutDoubleBraces(out);
        if (atEnd) {
            last = 0;
        }
        return shown;
    }

    /** What was read, without a brace that would follow the same brace ("{" + a dropped "}}" + "{"). */
    private String withoutDoubleBraces(CharSequence text) {
        StringBuilder kept = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c == '{' || c == '}') && c == last) {
                continue;
            }
            kept.append(c);
            last = c;
        }
        return kept.toString();
    }

    /**
     * Reads the placeholder opening at {@code start} (two or more braces) into {@code out}; returns how many
     * characters it took, or 0 when it cannot tell yet (only before the end).
     */
    private int placeholder(String text, int start, boolean atEnd, StringBuilder out) {
        int nameStart = skip(text, start, '{');
        if (nameStart == text.length() && !atEnd) {
            return 0;
        }
        for (int j = nameStart; j < text.length(); j++) {
            char c = text.charAt(j);
            if ((c == '}' || c == '{') && j + 1 == text.length() && !atEnd) {
                return 0; // half of a }} or {{, perhaps
            }
            boolean closes = c == '}' && j + 1 < text.length() && text.charAt(j + 1) == '}';
            if (closes) {
                String name = text.substring(nameStart, j).strip();
                if (!name.isEmpty()) {
                    out.append(fill.apply(name));
                }
                afterPlaceholder = true;
                return j + 2 - start;
            }
            boolean broken = c == '\n' || c == '\r' || j - nameStart >= MAX_NAME
                    || c == '{' && j + 1 < text.length() && text.charAt(j + 1) == '{';
            if (broken) {
                return nameStart - start; // not a placeholder: its braces go, what follows is read again
            }
        }
        return atEnd ? nameStart - start : 0;
    }

    private static int skip(String text, int from, char brace) {
        int i = from;
        while (i < text.length() && text.charAt(i) == brace) {
            i++;
        }
        return i;
    }

    private static int nextBrace(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{' || c == '}') {
                return i;
            }
        }
        return text.length();
    }
}
