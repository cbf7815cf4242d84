/**
 * Benchmarks: {@link ai.kaizen.model.bench.GenerationBenchmark} (prefill and decode speed against
 * the memory-bandwidth bound), {@link ai.kaizen.model.bench.MemoryBandwidth} and
 * {@link ai.kaizen.model.bench.ResidentMemoryBenchmark}.
 */
package ai.kaizen.model.bench;
