package ai.kaizen.server.chat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which part of a conversation the model sees, and what that costs. */
class ContextWindowTest {

    /**
     * One token per word; the template adds {@code <s>} and {@code <assistant>} once and two tokens around each
     * message. Counts every text it tokenizes and every prompt it renders.
     */
    static final class WordTokenizer implements PromptTokenizer {
        final Map<String, Integer> encoded = new HashMap<>();
        final List<List<ChatMessage>> rendered = new ArrayList<>();
        private final Map<String, Integer> ids = new HashMap<>();
        private final List<String> words = new ArrayList<>();
        /** Extra tokens the template adds around a message of more than five words, unseen by tiny probes. */
        int hiddenMarkup;

        @Override
        public int[] encode(String text) {
            encoded.merge(text, 1, Integer::sum);
            return ids(text);
        }

        @Override
        public String decode(int[] tokens, int from, int to) {
            return Arrays.stream(tokens, from, to).mapToObj(words::get).collect(Collectors.joining(" "));
        }

        @Override
        public int[] encodeChat(List<ChatMessage> messages) {
            rendered.add(messages);
            StringBuilder text = new StringBuilder("<s> ");
            for (ChatMessage m : messages) {
                text.append('<').append(m.role()).append("> ").append(m.content()).append(" </").append(m.role())
                        .append("> ");
                if (m.content().split("\\s+").length > 5) {
                    text.append("<pad> ".repeat(hiddenMarkup));
                }
            }
            return ids(text.append("<assistant>").toString());
        }

        private int[] ids(String text) {
            return Arrays.stream(text.strip().split("\\s+")).filter(w -> !w.isEmpty()).mapToInt(w -> ids
                    .computeIfAbsent(w, k -> {
                        words.add(k);
                        return words.size() - 1;
                    })).toArray();
        }

        /** How often the prompt ending with {@code newest} was rendered (the probes of the markup aside). */
        long promptsEndingWith(String newest) {
            return rendered.stream().filter(p -> p.get(p.size() - 1).content().equals(newest)).count();
        }
    }

    /** {@code n} messages, user first, each of {@code words} distinct words. */
    static List<ChatMessage> conversation(int n, int words) {
        List<ChatMessage> history = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int turn = i;
            String text = IntStream.range(0, words).mapToObj(w -> "m" + turn + "w" + w)
                    .collect(Collectors.joining(" "));
            history.add(i % 2 == 0 ? ChatMessage.user(text) : ChatMessage.assistant(text));
        }
        return history;
    }

    @Test
    void aConversationThatFitsIsKeptWholeAndTheAnswerGetsItsFullRoom() {
        WordTokenizer tokenizer = new WordTokenizer();
        List<ChatMessage> history = conversation(5, 10);
        ChatPrompt prompt = new ContextWindow(tokenizer, 512, 100).fit("Be kind.", history, ContextWindow.Overflow.CUT);
        assertThat(prompt.dropped()).isZero();
        assertThat(prompt.cut()).isFalse();
        assertThat(prompt.messages()).hasSize(6);
        assertThat(prompt.messages().get(0)).isEqualTo(ChatMessage.system("Be kind."));
        assertThat(prompt.messages().subList(1, 6)).isEqualTo(history);
        // <s>, <assistant>, and per message its 2 markup tokens and words
        assertThat(prompt.promptTokens()).isEqualTo(2 + 2 + 2 + 5 * 12);
        assertThat(prompt.answerRoom()).isEqualTo(100);
    }

    @Test
    void theOldestTurnsGoFirstWhileTheSystemPromptAndTheNewestMessageStay() {
        WordTokenizer tokenizer = new WordTokenizer();
        List<ChatMessage> history = conversation(21, 20);
        ContextWindow window = new ContextWindow(tokenizer, 256, 200);
        ChatPrompt prompt = window.fit("Be kind.", history, ContextWindow.Overflow.CUT);

        assertThat(window.answerFloor()).isEqualTo(64);
        assertThat(prompt.promptTokens()).isLessThanOrEqualTo(256 - 64);
        assertThat(prompt.answerRoom()).isEqualTo(256 - prompt.promptTokens());
        assertThat(prompt.messages().get(0)).isEqualTo(ChatMessage.system("Be kind."));
        List<ChatMessage> kept = prompt.messages().subList(1, prompt.messages().size());
        // the newest turns, whole, starting with the user's
        assertThat(kept).isEqualTo(history.subList(prompt.dropped(), history.size()));
        assertThat(kept.get(0).role()).isEqualTo("user");
        assertThat(prompt.dropped()).isEqualTo(history.size() - kept.size()).isPositive();
        // as many as fit: one more turn (user and answer) would not
        assertThat(prompt.promptTokens() + 2 * 22).isGreaterThan(256 - 64);
        assertThat(prompt.cut()).isFalse();
    }

    @Test
    void eachMessageIsTokenizedAtMostOnceAndTheOnesLeftOutNotAtAll() {
        WordTokenizer tokenizer = new WordTokenizer();
        List<ChatMessage> history = conversation(200, 50);
        ChatPrompt prompt = new ContextWindow(tokenizer, 512, 100).fit("Be kind.", history,
                ContextWindow.Overflow.CUT);

        for (ChatMessage m : history) {
            assertThat(tokenizer.encoded.getOrDefault(m.content(), 0)).as(m.content()).isLessThanOrEqualTo(1);
        }
        // counting stops at the first message that no longer fits (an answer before the first kept turn aside)
        long counted = history.stream().filter(m -> tokenizer.encoded.containsKey(m.content())).count();
        assertThat(counted).isLessThanOrEqualTo(history.size() - prompt.dropped() + 2);
        assertThat(prompt.dropped()).isGreaterThan(150);
        assertThat(tokenizer.promptsEndingWith(history.get(199).content())).isEqualTo(1);
    }

    @Test
    void anOverlongNewestMessageKeepsItsEnd() {
        WordTokenizer tokenizer = new WordTokenizer();
        List<ChatMessage> history = new ArrayList<>(conversation(4, 10));
        String question = IntStream.range(0, 1000).mapToObj(i -> "q" + i).collect(Collectors.joining(" "));
        history.add(ChatMessage.user(question));
        ChatPrompt prompt = new ContextWindow(tokenizer, 256, 200).fit("Be kind.", history,
                ContextWindow.Overflow.CUT);

        assertThat(prompt.cut()).isTrue();
        assertThat(prompt.dropped()).isEqualTo(4);
        assertThat(prompt.promptTokens()).isLessThanOrEqualTo(192);
        assertThat(prompt.messages()).hasSize(2);
        assertThat(prompt.messages().get(0)).isEqualTo(ChatMessage.system("Be kind."));
        String kept = prompt.messages().get(1).content();
        assertThat(kept).endsWith("q998 q999").doesNotContain("q0 ");
        assertThat(question).endsWith(kept);
        // the text keeps all the room the template leaves: 192 - <s>, <assistant>, 2 x 2 markup, 2 system words
        assertThat(kept.split(" ")).hasSize(192 - 2 - 4 - 2);
    }

    @Test
    void anOverlongSystemPromptKeepsItsStartAndLeavesHalfTheRoomToTheMessage() {
        WordTokenizer tokenizer = new WordTokenizer();
        String system = IntStream.range(0, 500).mapToObj(i -> "s" + i).collect(Collectors.joining(" "));
        String question = IntStream.range(0, 500).mapToObj(i -> "q" + i).collect(Collectors.joining(" "));
        ChatPrompt prompt = new ContextWindow(tokenizer, 256, 200).fit(system, List.of(ChatMessage.user(question)),
                ContextWindow.Overflow.CUT);

        assertThat(prompt.promptTokens()).isLessThanOrEqualTo(192);
        assertThat(prompt.messages().get(0).content()).startsWith("s0 s1 ");
        assertThat(prompt.messages().get(1).content()).endsWith("q499");
        int room = 192 - 2 - 4;
        assertThat(prompt.messages().get(1).content().split(" ")).hasSize(room / 2);
    }

    @Test
    void refusingInsteadOfCuttingIsWhatTheApiAsksFor() {
        WordTokenizer tokenizer = new WordTokenizer();
        List<ChatMessage> history = new ArrayList<>(conversation(6, 100));
        ContextWindow window = new ContextWindow(tokenizer, 256, 200);
        // old turns are still left out
        ChatPrompt fits = window.fit("", history.subList(0, 5), ContextWindow.Overflow.REFUSE);
        assertThat(fits.dropped()).isEqualTo(4);
        assertThat(fits.cut()).isFalse();
        // but a newest message that cannot fit is refused, never cut
        history.add(ChatMessage.user(IntStream.range(0, 300).mapToObj(i -> "q" + i).collect(Collectors.joining(" "))));
        assertThatThrownBy(() -> window.fit("", history, ContextWindow.Overflow.REFUSE))
                .isInstanceOf(ContextWindow.TooLong.class)
                .hasMessageContaining("maximum context length is 256 tokens");
    }

    @Test
    void whenTheSumFallsShortOneMoreTurnGoes() {
        WordTokenizer tokenizer = new WordTokenizer();
        tokenizer.hiddenMarkup = 5;
        List<ChatMessage> history = conversation(21, 20);
        ChatPrompt prompt = new ContextWindow(tokenizer, 256, 200).fit("Be kind.", history,
                ContextWindow.Overflow.CUT);
        assertThat(prompt.promptTokens()).isLessThanOrEqualTo(192);
        assertThat(prompt.messages().get(prompt.messages().size() - 1)).isEqualTo(history.get(20));
        assertThat(prompt.messages().get(1).role()).isEqualTo("user");
        assertThat(prompt.dropped()).isEqualTo(16);
        assertThat(tokenizer.promptsEndingWith(history.get(20).content())).isEqualTo(2);
    }

    @Test
    void aLongConversationFitsTheRealModelQuickly() {
        Random random = new Random(16);
        List<ChatMessage> history = new ArrayList<>();
        for (int i = 0; i < 61; i++) {
            String text = ChatRoutesTest.prose(random, 4000);
            history.add(i % 2 == 0 ? ChatMessage.user(text) : ChatMessage.assistant(text));
        }
        try (Tokenizer real = Tokenizer.load(Fixtures.stories260k())) {
            Map<String, Integer> encoded = new HashMap<>();
            int[] renders = new int[1];
            PromptTokenizer counting = new PromptTokenizer() {
                final PromptTokenizer inner = PromptTokenizer.of(real);

                @Override
                public int[] encode(String text) {
                    encoded.merge(text, 1, Integer::sum);
                    return inner.encode(text);
                }

                @Override
                public String decode(int[] ids, int from, int to) {
                    return inner.decode(ids, from, to);
                }

                @Override
                public int[] encodeChat(List<ChatMessage> messages) {
                    renders[0]++;
                    return inner.encodeChat(messages);
                }

                @Override
                public ContextWindow.Markup markup() {
                    return inner.markup();
                }
            };
            ContextWindow window = new ContextWindow(counting, 512, 200);
            window.fit("Be kind.", history, ContextWindow.Overflow.CUT); // warm-up
            encoded.clear();
            renders[0] = 0;
            long t0 = System.nanoTime();
            ChatPrompt prompt = window.fit("You are a helpful assistant.", history, ContextWindow.Overflow.CUT);
            double ms = (System.nanoTime() - t0) / 1e6;
            System.out.printf("fit of 61 messages of 4000 characters into 512 tokens: %.1f ms, %d renders%n", ms,
                    renders[0]);

            assertThat(prompt.promptTokens()).isLessThanOrEqualTo(512 - 128);
            assertThat(prompt.cut()).isTrue();
            assertThat(history.get(60).content()).endsWith(prompt.messages().get(1).content());
            assertThat(encoded.values()).allMatch(n -> n == 1);
            // the prompt itself, once (the markup is the model tokenizer's, measured apart and not counted here)
            assertThat(renders[0]).isEqualTo(1);
        }
    }

    @Test
    void aModelsTemplateMarkupIsMeasuredOnceForAllItsPrompts() {
        try (Tokenizer real = Tokenizer.load(Fixtures.stories260k())) {
            ContextWindow.Markup first = PromptTokenizer.of(real).markup();
            assertThat(first).isEqualTo(ContextWindow.Markup.measure(PromptTokenizer.of(real)));
            assertThat(PromptTokenizer.of(real).markup()).isSameAs(first);
        }
    }
}
