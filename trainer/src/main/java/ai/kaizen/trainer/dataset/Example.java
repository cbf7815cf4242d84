package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.util.List;

/** An example of any kind: a prompt (a conversation so far) and where the example came from. */
public sealed interface Example permits SftExample, PreferenceExample, ThumbsExample {

    /** The conversation before the answer: system prompt (if any), then the turns, ending with the user's. */
    List<ChatMessage> prompt();

    Provenance provenance();
}
