/**
 * Training datasets: built from the feedback in the database as versioned, reproducible snapshots
 * ({@link ai.kaizen.trainer.dataset.DatasetBuilder}), split by prompt
 * ({@link ai.kaizen.trainer.dataset.PromptSplitter}), and moved in and out as TRL's JSONL
 * ({@link ai.kaizen.trainer.dataset.JsonlFormats}) or imported from the Bitext CSV files
 * ({@link ai.kaizen.trainer.dataset.BitextImport}). {@link ai.kaizen.trainer.dataset.MismatchedPairs}
 * makes pairs of an approved answer over one to a request of another kind
 * ({@link ai.kaizen.trainer.dataset.PromptIntents} knows the Bitext messages' intents), for the
 * reward model and the RLHF demonstration.
 */
package ai.kaizen.trainer.dataset;
