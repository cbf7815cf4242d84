/**
 * Safetensors files: {@link ai.kaizen.model.safetensors.SafetensorsReader} maps them tensor by
 * tensor (no 2 GiB limit, shards with an index, F32/F16/BF16 with BF16 widened in Java) and
 * {@link ai.kaizen.model.safetensors.SafetensorsWriter} writes them (atomically, optionally sharded).
 */
package ai.kaizen.model.safetensors;
