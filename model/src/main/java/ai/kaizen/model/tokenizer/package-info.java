/**
 * Text in and out: {@link ai.kaizen.model.tokenizer.Tokenizer} (DJL's Hugging Face tokenizer on
 * the local {@code tokenizer.json}), {@link ai.kaizen.model.tokenizer.ChatTemplate} (the model's
 * Jinja template, rendered with jinjava as transformers renders it) and
 * {@link ai.kaizen.model.tokenizer.IncrementalDetokenizer} (streaming text that never splits a character).
 */
package ai.kaizen.model.tokenizer;
