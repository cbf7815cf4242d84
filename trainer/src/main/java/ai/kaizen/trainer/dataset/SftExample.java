package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.util.List;

/**
 * A demonstration: a conversation that ends with the assistant turn to imitate.
 *
 * @param messages the whole conversation, its last message from the assistant
 */
public record SftExample(List<ChatMessage> messages, Provenance provenance) implements Example {

    public SftExample {
        messages = List.copyOf(messages);
        if (messages.isEmpty() || !messages.get(messages.size() - 1).role().equals("assistant")) {
            throw new IllegalArgumentException("an SFT example must end with an assistant message");
        }
    }

    /** A prompt followed by the answer to imitate. */
    public static SftExample of(List<ChatMessage> prompt, String answer, Provenance provenance) {
        List<ChatMessage> all = new java.util.ArrayList<>(prompt);
        all.add(ChatMessage.assistant(answer));
        return new SftExample(all, provenance);
    }

    @Override
    public List<ChatMessage> prompt() {
        return messages.subList(0, messages.size() - 1);
    }

    /** The assistant's answer. */
    public String completion() {
        return messages.get(messages.size() - 1).content();
    }
}
