package ai.kaizen.server.inference;

/**
 * What one decode loop may hold.
 *
 * @param maxBatch     most sequences decoded together
 * @param kvCacheBytes most key/value-cache memory its running sequences reserve
 * @param prefillChunk prompt tokens read between two decode steps
 */
public record BatchLimits(int maxBatch, long kvCacheBytes, int prefillChunk) {
    public BatchLimits {
        if (maxBatch < 1 || kvCacheBytes < 1 || prefillChunk < 1) {
            throw new IllegalArgumentException("batch limits must be positive");
        }
    }
}
