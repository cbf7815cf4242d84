package ai.kaizen.model.generation;

import java.util.List;

/**
 * Watches a sequence's text for stop strings and decides how much of it is safe to stream.
 *
 * <p>Text that could be the beginning of a stop string is held back until the next tokens show
 * it is not; text from a stop string on is never emitted. So a client never sees part of a stop
 * string, and the streamed text equals the final one.
 */
final class StopStrings {

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopStrings(List<String> stops) {
        this.stops = stops;
    }

    /** @return whether a stop string has been seen */
    boolean stopped() {
        return stopped;
    }

    /**
     * Adds decoded text and returns what may be emitted now.
     *
     * @param text new text from the detokenizer
     * @param last whether no more text will follow (emit everything that is not a stop string)
     * @return the text to emit, possibly empty
     */
    String offer(String text, boolean last) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        if (stops.isEmpty()) {
            String out = pending.toString();
            pending.setLength(0);
            return out;
        }
        int cut = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (cut < 0 || i < cut)) {
                cut = i;
            }
        }
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        int hold = last ? 0 : heldBack();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of a stop string. */
    private int heldBack() {
        int best = 0;
        String text = pending.toString();
        for (String s : stops) {
            int max = Math.min(s.length() - 1, pending.length());
            for (int len = max; len > best; len--) {
                if (text.regionMatches(text.length() - len, s, 0, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
