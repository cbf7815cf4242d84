/**
 * LoRA: {@link ai.kaizen.model.lora.Lora} adds trainable low-rank adapters to chosen projections,
 * merges and unmerges them, and saves and loads them in PEFT layout.
 */
package ai.kaizen.model.lora;
