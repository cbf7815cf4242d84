package ai.kaizen.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.Fixtures;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenizerTest {

    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.stories260k());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void encodesThePromptOfTheGoldenTestWithBos() {
        assertThat(tokenizer.encode("Once upon a time")).containsExactly(1, 403, 407, 261, 378);
        assertThat(tokenizer.encode("Once upon a time", false)).containsExactly(403, 407, 261, 378);
    }

    @Test
    void decodesTheGoldenContinuation() {
        int[] ids = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396,
            267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432,
            352, 266, 268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 432};
        assertThat(tokenizer.decode(ids)).isEqualTo("Once upon a time, there was a little girl named Lily. She loved "
                + "to play outside in the park. One day, she saw a big, red ball. She wanted to play with it,");
    }

    @Test
    void roundTripsSampleTexts() {
        for (String text : List.of("Once upon a time", "Hello, world!", "The cat sat on the mat.\nThe end.",
                "Tim and  Sue   went out", "héllo wörld ünïcode", "emoji: \uD83D\uDE00 and 中文", "  leading",
                "trailing  ", "1234567890", "")) {
            assertThat(tokenizer.decode(tokenizer.encode(text))).as(text).isEqualTo(text);
        }
    }

    @Test
    void streamedDeltasConcatenateToTheContinuationWithoutBrokenCharacters() {
        int[] prompt = tokenizer.encode("Once upon a time");
        for (String continuation : List.of(", there was a little girl.", " \uD83D\uDE00 smile 中文 é!", " there")) {
            int[] all = tokenizer.encode("Once upon a time" + continuation);
            assertThat(all).startsWith(prompt);
            IncrementalDetokenizer detok = tokenizer.newDetokenizer(prompt);
            StringBuilder streamed = new StringBuilder();
            for (int i = prompt.length; i < all.length; i++) {
                String delta = detok.add(all[i]);
                assertThat(delta).doesNotContain("\uFFFD");
                streamed.append(delta);
            }
            streamed.append(detok.flush());
            assertThat(streamed.toString()).isEqualTo(continuation);
            assertThat(detok.text()).isEqualTo(continuation);
        }
    }

    @Test
    void knowsItsSpecialTokensAndFallsBackToChatMl() {
        assertThat(tokenizer.specialTokens().bos()).isEqualTo("<s>");
        assertThat(tokenizer.addedTokenId("</s>")).isEqualTo(2);
        assertThat(tokenizer.chatTemplate().isFallback()).isTrue();
        assertThat(tokenizer.chatTemplate().render(List.of(ChatMessage.user("Hi")), true))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }
}
