-- The SHA-256 of the prompt an answer was written for (the conversation's system prompt and every turn before it,
-- role and text), set when the answer is stored. An API client's choice between two of its answers must compare
-- their prompts word for word; with the digest that is one comparison instead of a walk up both conversations, which
-- made a choice cost twice a rating. NULL for users' messages and for answers stored before this column, whose
-- prompts are still compared by walking up.
ALTER TABLE message ADD COLUMN prompt_sha256 bytea;
