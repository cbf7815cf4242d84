package ai.kaizen.trainer.starter;

import ai.kaizen.model.Fixtures;
import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.FinishReason;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed starter model ({@code models/starter}): its tokenizer, and a golden-ish answer. */
class StarterModelTest {

    private static Path model;
    private static StarterData data;

    @BeforeAll
    static void find() {
        model = Fixtures.inRepository("models/starter");
        data = StarterData.of(StarterCorpus.load(Fixtures.inRepository("data")), StarterRecipe.SEED);
    }

    @Test
    void tokenizerRoundTripsTextAndKeepsPlaceholdersAndControlTokensWhole() {
        try (Tokenizer t = Tokenizer.load(model)) {
            for (String text : List.of("Hi! I'd like to cancel order {{Order Number}} — it's late.",
                    "Ça coûte 12,50 € ? 日本語 😀\n\tend  ", "{{Customer Support Phone Number}}{{Live Chat}}")) {
                int[] ids = t.encode(text, false);
                assertThat(t.decode(ids, 0, ids.length, false)).isEqualTo(text);
            }
            for (String whole : List.of("{{Order Number}}", "{{Customer Support Phone Number}}",
                    StarterRecipe.IM_START, StarterRecipe.IM_END, StarterRecipe.END_OF_TEXT)) {
                assertThat(t.encode(whole, false)).as(whole).containsExactly(t.addedTokenId(whole));
            }
            assertThat(t.chatTemplate().isFallback()).isFalse();
        }
    }

    @Test
    void chatsGreedilyInTheCustomerServiceRegisterAndEndsItsTurn() {
        try (LanguageModel lm = LanguageModel.load(model)) {
            GenerationOptions greedy = GenerationOptions.builder(lm.generationConfig()).doSample(false)
                    .repetitionPenalty(1.0).maxNewTokens(250).build();
            GenerationResult r = lm.generator().chat(List.of(ChatMessage.system(StarterData.SYSTEM_PROMPT),
                    ChatMessage.user("I forgot the password of my account, what can I do?")), greedy, token -> true);
            // it learned the chat format (stops with <|im_end|>) and Bitext's answers (placeholders, addressing "you")
            assertThat(r.finishReason()).as(r.text()).isEqualTo(FinishReason.EOS);
            assertThat(r.text()).containsPattern("\\{\\{[^}]+\\}\\}").contains("you");
            assertThat(r.text()).doesNotContain(StarterRecipe.IM_START, StarterRecipe.IM_END);
        }
    }

    /** The behaviour issue #7 asks for: an unseen refund question gets an answer about refunds. */
    @Test
    void answersAnUnseenRefundQuestionAboutRefunds() {
        String question = "I returned the shoes I bought last week, when will I get my money back?";
        assertThat(data.corpus().detailed()).noneMatch(r -> r.instruction().equals(question));
        assertThat(data.corpus().canned()).noneMatch(r -> r.instruction().equals(question));
        try (LanguageModel lm = LanguageModel.load(model)) {
            GenerationOptions greedy = GenerationOptions.builder(lm.generationConfig()).doSample(false)
                    .repetitionPenalty(1.0).maxNewTokens(120).build();
            String answer = StarterEvaluation.answer(lm, question, greedy);
            assertThat(answer).isNotBlank();
            assertThat(StarterEvaluation.classifier(data).classify(answer)).as(answer).isIn("get_refund",
                    "track_refund", "check_refund_policy");
        }
    }
}
