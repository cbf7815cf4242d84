package ai.kaizen.model.tokenizer;

/**
 * Source rewrites that make jinjava parse what Jinja2 parses.
 *
 * <p>Jinja2 gives {@code not} a lower precedence than tests and comparisons:
 * {@code not tools is defined} means {@code not (tools is defined)}, and
 * {@code not calls|length == 1} means {@code not (calls|length == 1)}. jinjava binds {@code not}
 * to the next operand only, which silently inverts such conditions (Llama 3.x templates use both
 * forms). The rewrite parenthesises the operand of every {@code not} inside a tag or expression, up
 * to the next {@code and}, {@code or}, ternary {@code if}/{@code else}, comma or closing bracket at
 * the same depth. Text outside tags and string literals is left alone.
 */
final class JinjaCompat {

    private JinjaCompat() {}

    static String rewrite(String source) {
        StringBuilder out = new StringBuilder(source.length() + 64);
        int i = 0;
        while (i < source.length()) {
            int open = nextOpen(source, i);
            if (open < 0) {
                out.append(source, i, source.length());
                break;
            }
            out.append(source, i, open + 2);
            String close = source.charAt(open + 1) == '%' ? "%}" : "}}";
            int end = findClose(source, open + 2, close);
            if (end < 0) {
                out.append(source, open + 2, source.length());
                break;
            }
            out.append(rewriteNot(source.substring(open + 2, end)));
            out.append(close);
            i = end + 2;
        }
        return out.toString();
    }

    private static int nextOpen(String s, int from) {
        int a = s.indexOf("{%", from);
        int b = s.indexOf("{{", from);
        if (a < 0) {
            return b;
        }
        if (b < 0) {
            return a;
        }
        return Math.min(a, b);
    }

    /** Finds the closing delimiter, skipping string literals. */
    private static int findClose(String s, int from, String close) {
        char quote = 0;
        for (int i = from; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (s.startsWith(close, i)) {
                return i;
            }
        }
        return -1;
    }

    /** Parenthesises the operand of each {@code not} in one tag body. */
    static String rewriteNot(String body) {
        StringBuilder out = new StringBuilder(body.length() + 16);
        int i = 0;
        char quote = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && i + 1 < body.length()) {
                    out.append(body.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                i++;
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                out.append(c);
                i++;
                continue;
            }
            if (isWordAt(body, i, "not") && !previousWordIs(body, i, "is")) {
                int start = i + 3;
                while (start < body.length() && Character.isWhitespace(body.charAt(start))) {
                    start++;
                }
                if (start < body.length() && !isWordAt(body, start, "in") && !isWordAt(body, start, "not")) {
                    int end = operandEnd(body, start);
                    out.append("not (").append(rewriteNot(body.substring(start, end)).trim()).append(')');
                    if (end < body.length() && !Character.isWhitespace(body.charAt(end))) {
                        out.append(' ');
                    }
                    i = end;
                    continue;
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /** End of the operand of a {@code not} starting at {@code start}. */
    private static int operandEnd(String s, int start) {
        int depth = 0;
        char quote = 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return trimEnd(s, start, i);
                }
                depth--;
            } else if (depth == 0) {
                if (c == ',' || (c == '-' && i + 1 == s.length())) {
                    return trimEnd(s, start, i);
                }
                if (isWordAt(s, i, "and") || isWordAt(s, i, "or") || isWordAt(s, i, "if") || isWordAt(s, i, "else")) {
                    return trimEnd(s, start, i);
                }
            }
        }
        return trimEnd(s, start, s.length());
    }

    private static int trimEnd(String s, int start, int end) {
        while (end > start && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    private static boolean isWordAt(String s, int i, String word) {
        if (!s.startsWith(word, i)) {
            return false;
        }
        boolean before = i == 0 || !isIdentifierChar(s.charAt(i - 1));
        int after = i + word.length();
        return before && (after == s.length() || !isIdentifierChar(s.charAt(after)));
    }

    private static boolean previousWordIs(String s, int i, String word) {
        int j = i;
        while (j > 0 && Character.isWhitespace(s.charAt(j - 1))) {
            j--;
        }
        return j >= word.length() && isWordAt(s, j - word.length(), word);
    }

    private static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }
}
