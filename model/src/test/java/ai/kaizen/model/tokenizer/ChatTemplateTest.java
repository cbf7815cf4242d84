package ai.kaizen.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.kaizen.model.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real templates (verbatim from the models' tokenizer configs) against what Jinja2 renders with
 * transformers' settings.
 */
class ChatTemplateTest {

    private static final List<ChatMessage> ONE_USER = List.of(ChatMessage.user("Hi"));
    private static final List<ChatMessage> EXCHANGE = List.of(ChatMessage.user("A"), ChatMessage.assistant("B"));

    private static ChatTemplate template(String name, SpecialTokens tokens) throws IOException {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/chat-templates/" + name + ".jinja")) {
            return ChatTemplate.of(new String(in.readAllBytes(), StandardCharsets.UTF_8), tokens);
        }
    }

    @Test
    void tinyLlama() throws IOException {
        ChatTemplate t = template("tinyllama", new SpecialTokens("<s>", "</s>", null, "<unk>"));
        assertThat(t.render(ONE_USER, true)).isEqualTo("<|user|>\nHi</s>\n<|assistant|>\n");
        assertThat(t.render(ONE_USER, false)).isEqualTo("<|user|>\nHi</s>\n");
        assertThat(t.render(EXCHANGE, true)).isEqualTo("<|user|>\nA</s>\n<|assistant|>\nB</s>\n<|assistant|>\n");
    }

    @Test
    void messageTextIsNeverEvaluatedAsATemplate() throws IOException {
        ChatTemplate t = template("tinyllama", new SpecialTokens("<s>", "</s>", null, "<unk>"));
        String text = "Where is order {{Order Number}}? {{ 7 * 6 }} {% if true %}x{% endif %}";
        assertThat(t.render(List.of(ChatMessage.user(text)), false)).isEqualTo("<|user|>\n" + text + "</s>\n");
    }

    @Test
    void qwen25() throws IOException {
        ChatTemplate t = template("qwen2.5", new SpecialTokens(null, "<|im_end|>", "<|endoftext|>", null));
        String system = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                + "<|im_end|>\n";
        assertThat(t.render(ONE_USER, true)).isEqualTo(system + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.render(ONE_USER, false)).isEqualTo(system + "<|im_start|>user\nHi<|im_end|>\n");
        assertThat(t.render(EXCHANGE, true)).isEqualTo(system
                + "<|im_start|>user\nA<|im_end|>\n<|im_start|>assistant\nB<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")), true))
                .isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\n");
    }

    @Test
    void llama32WithItsDateFunction() throws IOException {
        Clock clock = Clock.fixed(Instant.parse("2025-03-09T10:00:00Z"), ZoneOffset.UTC);
        ChatTemplate t = template("llama3.2", new SpecialTokens("<|begin_of_text|>", "<|eot_id|>", null, null))
                .withClock(clock);
        String head = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
                + "December 2023\nToday Date: 09 Mar 2025\n\n";
        assertThat(t.render(ONE_USER, true)).isEqualTo(head
                + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(t.render(EXCHANGE, false)).isEqualTo(head
                + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nA<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nB<|eot_id|>");
        assertThat(t.render(List.of(ChatMessage.system("  Be brief. "), ChatMessage.user("Hi")), false,
                Map.of("date_string", "01 Jan 2025"))).isEqualTo(
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
                        + "December 2023\nToday Date: 01 Jan 2025\n\nBe brief.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
    }

    @Test
    void smolLm2() throws IOException {
        ChatTemplate t = template("smollm2", new SpecialTokens("<|im_start|>", "<|im_end|>", "<|im_end|>", null));
        assertThat(t.render(ONE_USER, true)).isEqualTo("<|im_start|>system\nYou are a helpful AI assistant named "
                + "SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void gemma2RaisesOnSystemTurns() throws IOException {
        ChatTemplate t = template("gemma2", new SpecialTokens("<bos>", "<eos>", null, null));
        assertThat(t.render(EXCHANGE, true)).isEqualTo("<bos><start_of_turn>user\nA<end_of_turn>\n"
                + "<start_of_turn>model\nB<end_of_turn>\n<start_of_turn>model\n");
        assertThatThrownBy(() -> t.render(List.of(ChatMessage.system("x"), ChatMessage.user("y")), true))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("System role not supported");
    }

    @Test
    void notBindsLooserThanTestsAndComparisonsAsInJinja2() {
        ChatTemplate t = ChatTemplate.of("{% if not x is defined %}undefined{% else %}{{ x }}{% endif %}|"
                + "{{ not items|length == 1 }}|{{ not (items|length == 1) and not y is none }}|"
                + "{% if not items %}empty{% endif %}{{ 'not x is defined' }}", SpecialTokens.NONE);
        assertThat(t.render(List.of(), false, Map.of("items", List.of(1, 2), "y", "Y")))
                .isEqualTo("undefined|true|true|not x is defined");
        assertThat(t.render(List.of(), false, Map.of("x", "X", "items", List.of(1), "y", "Y", "z", "Z")))
                .isEqualTo("X|false|false|not x is defined");
    }

    @Test
    void loopControlsWork() {
        ChatTemplate t = ChatTemplate.of("{% for i in [1, 2, 3, 4] %}{% if i == 3 %}{% break %}{% endif %}"
                + "{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}", SpecialTokens.NONE);
        assertThat(t.render(List.of(), false)).isEqualTo("2");
    }
}
