package ai.kaizen.server.chat;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * What of a conversation fits the model's context window: the system prompt and the newest message always; then as
 * many earlier turns as fit, the oldest left out first (a kept window starts with a user turn, as chat templates
 * expect). The prompt may fill the context up to the answer's floor, the smaller of the longest answer and a quarter
 * of the context; the answer then gets the smaller of the longest answer and what is left.
 *
 * <p>Each message is tokenized at most once: the window is chosen by adding up the messages' counts and what the
 * chat template adds around them, and only the chosen prompt is rendered and tokenized (once; again only in the rare
 * case that the sum fell short, after one more turn is dropped). Fitting is CPU work: never call it on an event loop.
 */
public final class ContextWindow {

    /** What to do when the newest message (with the system prompt) alone does not fit. */
    public enum Overflow {
        /** Keep the end of the newest message, what was asked last; the chat page never refuses for length. */
        CUT,
        /** Refuse with {@link TooLong}, as OpenAI's API does ({@code context_length_exceeded}). */
        REFUSE
    }

    /** Even the newest message does not fit (or the template alone fills the context). */
    public static final class TooLong extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        TooLong(String message) {
            super(message);
        }
    }

    /** The tokens a chat template adds: once per prompt ({@code frame}) and around each message. */
    record Markup(int frame, int perMessage) {

        /** Measured on two tiny conversations; a template that refuses them costs nothing, the render checks. */
        static Markup measure(PromptTokenizer tokenizer) {
            try {
                int a = tokenizer.encode("a").length;
                int b = tokenizer.encode("b").length;
                int c = tokenizer.encode("c").length;
                int one = tokenizer.encodeChat(List.of(ChatMessage.user("a"))).length - a;
                int three = tokenizer.encodeChat(List.of(ChatMessage.user("a"), ChatMessage.assistant("b"),
                        ChatMessage.user("c"))).length - a - b - c;
                int perMessage = Math.max(0, (three - one + 1) / 2);
                return new Markup(Math.max(0, one - perMessage), perMessage);
            } catch (RuntimeException e) {
                return new Markup(0, 0);
            }
        }
    }

    private final PromptTokenizer tokenizer;
    private final int contextSize;
    private final int maxNewTokens;

    /**
     * @param contextSize  the model's context window in tokens
     * @param maxNewTokens the longest answer wanted
     */
    public ContextWindow(PromptTokenizer tokenizer, int contextSize, int maxNewTokens) {
        if (contextSize < 2 || maxNewTokens < 1) {
            throw new IllegalArgumentException("context of " + contextSize + " tokens, answers of " + maxNewTokens);
        }
        this.tokenizer = tokenizer;
        this.contextSize = contextSize;
        this.maxNewTokens = maxNewTokens;
    }

    /** The least room an answer gets: the longest answer, or a quarter of the context when that is less. */
    public int answerFloor() {
        return Math.max(1, Math.min(maxNewTokens, contextSize / 4));
    }

    /**
     * @param systemPrompt the conversation's system prompt (none when blank)
     * @param history      the conversation so far, oldest first, ending with the message to answer
     * @throws TooLong when the newest message cannot fit: with {@link Overflow#REFUSE} as soon as it is too long,
     *                 with {@link Overflow#CUT} only when the template's own markup fills the context
     */
    public ChatPrompt fit(String systemPrompt, List<ChatMessage> history, Overflow overflow) {
        if (history.isEmpty()) {
            throw new IllegalArgumentException("there is no message to answer");
        }
        int budget = contextSize - answerFloor();
        Markup markup = tokenizer.markup();
        boolean hasSystem = !systemPrompt.isBlank();
        int last = history.size() - 1;
        ChatMessage newest = history.get(last);
        int[] newestIds = tokenizer.encode(newest.content());
        int[] systemIds = hasSystem ? tokenizer.encode(systemPrompt) : new int[0];
        int markupTokens = markup.frame() + markup.perMessage() * (hasSystem ? 2 : 1);
        // What the text of the system prompt and of the newest message may take together.
        int room = budget - markupTokens;
        int newestKept = newestIds.length;
        int systemKept = systemIds.length;
        if (systemKept + newestKept > room) {
            if (overflow == Overflow.REFUSE) {
                throw tooLong(markupTokens + systemKept + newestKept);
            }
            // The newest message keeps its end, at least half of the room if it needs it; the system prompt keeps
            // its start in the rest.
            newestKept = Math.min(newestKept, Math.max(room - systemKept, room / 2));
            systemKept = Math.min(systemKept, room - newestKept);
            if (newestKept < 1) {
                throw tooLong(markupTokens + 1);
            }
        }
        String systemText = systemKept < systemIds.length ? start(systemIds, systemKept) : systemPrompt;
        String newestText = newestKept < newestIds.length ? end(newestIds, newestKept) : newest.content();

        // Earlier turns, newest first, each counted once, while they fit.
        int first = last;
        int estimate = markupTokens + systemKept + newestKept;
        for (int i = last - 1; i >= 0; i--) {
            estimate += tokenizer.encode(history.get(i).content()).length + markup.perMessage();
            if (estimate > budget) {
                break;
            }
            if (history.get(i).role().equals("user")) {
                first = i;
            }
        }

        for (;;) {
            List<ChatMessage> messages = new ArrayList<>();
            if (hasSystem) {
                messages.add(ChatMessage.system(systemText));
            }
            messages.addAll(history.subList(first, last));
            messages.add(new ChatMessage(newest.role(), newestText));
            int[] ids = tokenizer.encodeChat(messages);
            if (ids.length <= budget) {
                return new ChatPrompt(messages, ids, first, newestKept < newestIds.length,
                        Math.min(maxNewTokens, contextSize - ids.length));
            }
            // The sum fell short (tokens merge across a message's edges): one more turn goes, or more of the text.
            int over = ids.length - budget;
            if (first < last) {
                first = nextWindowStart(history, first, last);
            } else if (overflow == Overflow.CUT && newestKept > over) {
                newestKept -= over;
                newestText = end(newestIds, newestKept);
            } else {
                throw tooLong(ids.length);
            }
        }
    }

    /** The next user turn after {@code first}, or the newest message when none is left. */
    private static int nextWindowStart(List<ChatMessage> history, int first, int last) {
        for (int i = first + 1; i < last; i++) {
            if (history.get(i).role().equals("user")) {
                return i;
            }
        }
        return last;
    }

    private TooLong tooLong(int needed) {
        return new TooLong("This model's maximum context length is " + contextSize + " tokens, of which at least "
                + answerFloor() + " are kept for the answer; the system prompt and the last message alone need "
                + needed + " tokens. Please shorten the last message.");
    }

    /** The text of the first {@code keep} tokens. */
    private String start(int[] ids, int keep) {
        return clean(tokenizer.decode(ids, 0, keep));
    }

    /** The text of the last {@code keep} tokens. */
    private String end(int[] ids, int keep) {
        return clean(tokenizer.decode(ids, ids.length - keep, ids.length));
    }

    /** Without the halves of characters split by the cut (decoded as U+FFFD) and the spaces at the edges. */
    private static String clean(String text) {
        return text.replaceAll("^\uFFFD+|\uFFFD+$", "").strip();
    }
}
