package ai.kaizen.trainer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.ChatTemplate;
import ai.kaizen.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

    private static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{[^{}\\n]{1,60}\\}\\}");

    @Test
    void mergesOfAGoldenCorpusAreTheHandComputedOnes() {
        // words: hug, Ġhug x2, Ġpug, Ġpun, Ġbun, Ġhugs. "u g" occurs 5 times, then "h ug" 4, "Ġ hug" 3;
        // "Ġ p" and "u n" tie at 2 and the lower ids (Ġ is byte 32) go first; nothing else occurs twice.
        BpeVocabulary v = new BpeTrainer(SPECIALS, 1000, 2, null).train(List.of("hug hug hug pug pun bun hugs"));
        assertThat(TokenizerFiles.mergeStrings(v)).containsExactly("u g", "h ug", "Ġ hug", "Ġ p", "u n");
        assertThat(v.size()).isEqualTo(3 + 256 + 5);
    }

    @Test
    void vocabularySizeIsRespectedAndTrainingIsDeterministic() {
        List<String> texts = corpus();
        BpeVocabulary a = new BpeTrainer(SPECIALS, 400, 2, PLACEHOLDER).train(texts);
        BpeVocabulary b = new BpeTrainer(SPECIALS, 400, 2, PLACEHOLDER).train(texts);
        assertThat(a.size()).isEqualTo(400);
        assertThat(a.merges()).isEqualTo(b.merges());
        assertThat(a.addedTokens()).contains("{{Order Number}}", "{{Customer Support Phone Number}}");
    }

    @Test
    void djlLoadsTheFilesRoundTripsTextAndKeepsPlaceholdersWhole(@TempDir Path dir) {
        BpeVocabulary v = new BpeTrainer(SPECIALS, 700, 2, PLACEHOLDER).train(corpus());
        TokenizerFiles.write(v, new TokenizerFiles.ChatFormat(ChatTemplate.FALLBACK_TEMPLATE, "<|endoftext|>",
                "<|im_end|>", "<|endoftext|>", 256), dir);
        try (Tokenizer t = Tokenizer.load(dir)) {
            for (String text : List.of("I want a refund for order {{Order Number}}, please!",
                    "  leading spaces,\ttabs\nand new lines\r\n\n  ", "Café, naïve résumé: 25€ — 日本語テキスト 😀👍🏽",
                    "It's 3:45pm; can't you've we'll I'd?", "{{Customer Support Phone Number}}{{Live Chat}}x",
                    "Ünïcödé ÀÉÎÕÜ ß ﬁ ₂ ½", "")) {
                int[] ids = t.encode(text, false);
                assertThat(t.decode(ids, 0, ids.length, false)).as(text).isEqualTo(text);
            }
            int[] ids = t.encode("Your {{Order Number}} ships soon", false);
            int placeholder = t.addedTokenId("{{Order Number}}");
            assertThat(ids).contains(placeholder);
            assertThat(t.decode(new int[] {placeholder}, 0, 1, false)).isEqualTo("{{Order Number}}");
            assertThat(t.encode("{{Order Number}}", false)).containsExactly(placeholder);
            // the chat template's control tokens are single tokens
            int[] chat = t.encodeChat(List.of(ChatMessage.user("hi")), true);
            assertThat(chat[0]).isEqualTo(v.specialId("<|im_start|>"));
            assertThat(chat).contains(v.specialId("<|im_end|>"));
            assertThat(t.specialTokens().eos()).isEqualTo("<|im_end|>");
            // merges are used: common words take fewer tokens than bytes
            assertThat(t.encode(" the customer", false).length).isLessThan(" the customer".length());
        }
    }

    /** Short customer-service sentences with placeholders (enough pairs for a few hundred merges). */
    private static List<String> corpus() {
        List<String> out = new ArrayList<>();
        String[] templates = {
            "I'm sorry to hear about the problem with order {{Order Number}}. Please contact us at "
                    + "{{Customer Support Phone Number}} and we will help you with the refund.",
            "To cancel your order, go to {{Online Company Portal Info}} and select the order you want to cancel.",
            "Thank you for reaching out! You can track the delivery of your package on our website.",
            "Could you tell me how I can change the shipping address of my order?",
            "I would like to get a refund, the product arrived damaged.",
        };
        for (int i = 0; i < 40; i++) {
            for (String s : templates) {
                out.add(s.replace("order", i % 3 == 0 ? "purchase" : "order") + " " + i);
            }
        }
        return out;
    }
}
