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
import java.util.ArrayList;
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

    /**
     * The behaviour issue #7 asks for: unseen refund questions get answers about refunds. Held-out intent accuracy
     * is about 0.8, so one question alone would fail by chance one time in five: most of five must.
     */
    @Test
    void answersUnseenRefundQuestionsAboutRefunds() {
        List<String> questions = List.of(
                "I returned the shoes I bought last week, when will I get my money back?",
                "The package went back to you ten days ago and I still have not been refunded.",
                "How do I get a refund for a jacket that arrived torn?",
                "Is my refund for the cancelled blender on its way?",
                "Can I have my money back if I send the headphones back unopened?");
        List<String> refundIntents = List.of("get_refund", "track_refund", "check_refund_policy");
        List<String> answered = new ArrayList<>();
        int aboutRefunds = 0;
        try (LanguageModel lm = LanguageModel.load(model)) {
            GenerationOptions greedy = GenerationOptions.builder(lm.generationConfig()).doSample(false)
                    .repetitionPenalty(1.0).maxNewTokens(120).build();
            for (String question : questions) {
                assertThat(data.corpus().detailed()).noneMatch(r -> r.instruction().equals(question));
                assertThat(data.corpus().canned()).noneMatch(r -> r.instruction().equals(question));
                String answer = StarterEvaluation.answer(lm, question, greedy);
                assertThat(answer).isNotBlank();
                String intent = StarterEvaluation.classifier(data).classify(answer);
                answered.add(intent + ": " + answer);
                if (refundIntents.contains(intent)) {
                    aboutRefunds++;
                }
            }
        }
        assertThat(aboutRefunds).as(String.join("\n\n", answered)).isGreaterThanOrEqualTo(3);
    }
}
