package ai.kaizen.trainer.cycle;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The external stage's options (the cycle request's {@code "external"} object): which TRL method runs where, on how
 * many nodes, with which arguments.
 *
 * @param method         {@code method}: {@code sft}, {@code dpo}, {@code kto}, {@code grpo} or {@code rloo}
 * @param api            {@code api}: a Kubeflow Trainer {@code TrainJob} (default) or a training-operator
 *                       {@code PyTorchJob}, for clusters that run the older operator
 * @param image          {@code image}: an image with TRL and PEFT installed (its {@code trl} on the path)
 * @param namespace      {@code namespace}: where the job runs; empty: the client's (the trainer pod's own)
 * @param runtime        {@code runtime}: the TrainJob's {@code ClusterTrainingRuntime} (default
 *                       {@code torch-distributed})
 * @param nodes          {@code num_nodes}: machines the job trains on (default 1)
 * @param gpusPerNode    {@code gpus_per_node}: {@code nvidia.com/gpu} per machine, one process each (default 1)
 * @param volumeClaim    {@code volume_claim}: a ReadWriteMany claim holding Kaizen's home, mounted at the same path
 *                       in the job's pods, through which the dataset and base model go in and the model comes out
 *                       (default: {@code cycle.kubernetes-home-claim} from the trainer's environment)
 * @param serviceAccount {@code service_account}: the job pods' service account
 * @param nodeSelector   {@code node_selector}: labels the job's nodes must have
 * @param args           {@code args}: TRL's arguments, {@code {"learning_rate": 1e-5, "use_peft": true, ...}}, passed
 *                       as {@code --learning_rate 1e-5 --use_peft true}
 * @param timeout        {@code timeout_minutes}: the longest the stage waits for the job (default 24 hours)
 */
public record TrlJobSettings(TrlMethod method, Api api, String image, Optional<String> namespace, String runtime,
                             int nodes, int gpusPerNode, String volumeClaim, Optional<String> serviceAccount,
                             Map<String, String> nodeSelector, JsonObject args, Duration timeout) {

    /** The trainer's environment variable naming the claim of Kaizen's home (as the server's key). */
    public static final String HOME_CLAIM_VARIABLE = "KAIZEN_CYCLE_KUBERNETES_HOME_CLAIM";

    /** Which Kubeflow resource runs the job. */
    public enum Api {
        TRAINJOB, PYTORCHJOB;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public TrlJobSettings {
        nodeSelector = Map.copyOf(nodeSelector);
        args = args.copy();
    }

    /**
     * Reads the options; fails with {@link IllegalArgumentException} naming the option at fault.
     *
     * @param environment the trainer's environment, for the default {@code volume_claim}
     */
    public static TrlJobSettings from(JsonObject options, Map<String, String> environment) {
        TrlMethod method = TrlMethod.parse(text(options, "method", null));
        String apiText = text(options, "api", "trainjob");
        Api api = switch (apiText) {
            case "trainjob" -> Api.TRAINJOB;
            case "pytorchjob" -> Api.PYTORCHJOB;
            default -> throw new IllegalArgumentException("external.api must be trainjob or pytorchjob, not '"
                    + apiText + "'");
        };
        String image = text(options, "image", null);
        String claim = text(options, "volume_claim", environment.getOrDefault(HOME_CLAIM_VARIABLE, ""));
        if (claim.isEmpty()) {
            throw new IllegalArgumentException("external.volume_claim is needed: a ReadWriteMany claim holding "
                    + "Kaizen's home, which the job's pods read the dataset and base model from and write the model "
                    + "to (or set cycle.kubernetes-home-claim)");
        }
        Map<String, String> selector = new LinkedHashMap<>();
        JsonObject nodes = options.getJsonObject("node_selector", new JsonObject());
        nodes.forEach(e -> selector.put(e.getKey(), String.valueOf(e.getValue())));
        Object args = options.getValue("args", new JsonObject());
        if (!(args instanceof JsonObject argsObject)) {
            throw new IllegalArgumentException("external.args must be an object of TRL arguments");
        }
        for (String reserved : ExternalStage.RESERVED_ARGS) {
            if (argsObject.containsKey(reserved)) {
                throw new IllegalArgumentException("external.args must not set " + reserved
                        + ": the stage sets it");
            }
        }
        String namespace = text(options, "namespace", "");
        String account = text(options, "service_account", "");
        return new TrlJobSettings(method, api, image, namespace.isEmpty() ? Optional.empty() : Optional.of(namespace),
                text(options, "runtime", "torch-distributed"), number(options, "num_nodes", 1, 1, 1024),
                number(options, "gpus_per_node", 1, 0, 64), claim,
                account.isEmpty() ? Optional.empty() : Optional.of(account), selector, argsObject,
                Duration.ofMinutes(number(options, "timeout_minutes", 24 * 60, 1, 30 * 24 * 60)));
    }

    private static String text(JsonObject options, String key, String fallback) {
        Object value = options.getValue(key);
        if (value == null) {
            if (fallback == null) {
                throw new IllegalArgumentException("external." + key + " is needed");
            }
            return fallback;
        }
        if (!(value instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException("external." + key + " must be a non-empty text");
        }
        return s.strip();
    }

    private static int number(JsonObject options, String key, int fallback, int min, int max) {
        Object value = options.getValue(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                || n.intValue() < min || n.intValue() > max) {
            throw new IllegalArgumentException("external." + key + " must be a whole number from " + min + " to "
                    + max);
        }
        return n.intValue();
    }
}
