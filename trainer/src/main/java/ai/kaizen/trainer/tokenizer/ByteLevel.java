package ai.kaizen.trainer.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level scheme, as the Hugging Face {@code ByteLevel} pre-tokenizer and decoder apply
 * it: text is split with GPT-2's regular expression, each piece's UTF-8 bytes are mapped one to one
 * onto printable characters (a space becomes {@code Ġ}), and BPE works on those characters. Every
 * byte has a symbol, so any text is encodable without an unknown token.
 */
public final class ByteLevel {

    /**
     * GPT-2's split: contractions, letters, digits, other symbols (each with one optional leading
     * space), then whitespace. Unicode classes, as the Rust regex crate reads {@code \s}.
     */
    public static final Pattern SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_CHAR = byteToChar();

    private ByteLevel() {
    }

    /** GPT-2's {@code bytes_to_unicode}: printable bytes stand for themselves, the rest move to 256+. */
    private static char[] byteToChar() {
        char[] out = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            out[b] = printable[b] ? (char) b : (char) next++;
        }
        return out;
    }

    /**
     * @param b a byte value, 0 to 255
     * @return its symbol
     */
    public static String symbol(int b) {
        return String.valueOf(BYTE_TO_CHAR[b & 0xFF]);
    }

    /**
     * @param piece text
     * @return its UTF-8 bytes as byte-level symbols
     */
    public static String encode(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return sb.toString();
    }

    /**
     * Splits text as the pre-tokenizer does (before the byte mapping).
     *
     * @param text text without added tokens
     * @return the pieces, in order; they concatenate to the text
     */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = SPLIT.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}
