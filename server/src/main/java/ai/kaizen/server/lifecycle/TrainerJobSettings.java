package ai.kaizen.server.lifecycle;

import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How a cycle's trainer runs as a Kubernetes Job (keys {@code cycle.kubernetes-*}).
 *
 * @param namespace       the Jobs' namespace; empty: the client's (the server pod's own namespace)
 * @param gpus            {@code nvidia.com/gpu} the pod asks for (0: none)
 * @param secret          a Secret whose keys become the trainer's environment (the database URL, object-storage
 *                        credentials); empty: none
 * @param homeClaim       a PersistentVolumeClaim for the trainer's home, shared with the servers; empty: a scratch
 *                        volume (artifacts then live in object storage)
 * @param scheduleTimeout how long the pod may wait for a node or for its image before the cycle fails
 */
public record TrainerJobSettings(Optional<String> namespace, String image, String cpu, String memory, int gpus,
                                 Map<String, String> nodeSelector, List<Toleration> tolerations,
                                 Optional<String> serviceAccount, Optional<String> secret, Optional<String> homeClaim,
                                 Duration scheduleTimeout) {

    private static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    public TrainerJobSettings {
        nodeSelector = Map.copyOf(nodeSelector);
        tolerations = List.copyOf(tolerations);
    }

    /** Node labels written {@code key=value,key=value}; fails with {@link IllegalArgumentException} saying why. */
    public static Map<String, String> parseNodeSelector(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + pair.strip() + "' is not key=value");
            }
            labels.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        return labels;
    }

    /**
     * Tolerations written as kubectl writes taints, {@code key=value:Effect} (that value only) or
     * {@code key:Effect} (any value), comma-separated; fails with {@link IllegalArgumentException} saying why.
     */
    public static List<Toleration> parseTolerations(String text) {
        List<Toleration> tolerations = new ArrayList<>();
        for (String taint : text.split(",")) {
            String t = taint.strip();
            if (t.isEmpty()) {
                continue;
            }
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || !EFFECTS.contains(t.substring(colon + 1))) {
                throw new IllegalArgumentException("'" + t + "' is not key[=value]:Effect with an effect of "
                        + EFFECTS);
            }
            String keyValue = t.substring(0, colon);
            int eq = keyValue.indexOf('=');
            TolerationBuilder builder = new TolerationBuilder().withEffect(t.substring(colon + 1));
            if (eq < 0) {
                builder.withKey(keyValue).withOperator("Exists");
            } else {
                builder.withKey(keyValue.substring(0, eq)).withOperator("Equal")
                        .withValue(keyValue.substring(eq + 1));
            }
            tolerations.add(builder.build());
        }
        return tolerations;
    }
}
