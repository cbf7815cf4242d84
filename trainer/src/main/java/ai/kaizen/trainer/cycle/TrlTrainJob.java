package ai.kaizen.trainer.cycle;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * TRL's CLI as a Kubeflow job, through the Kubernetes API: a {@code TrainJob} ({@code trainer.kubeflow.org/v1alpha1},
 * Kubeflow Trainer v2, on a {@code ClusterTrainingRuntime} such as {@code torch-distributed}) or, on clusters with the
 * older training operator, a {@code PyTorchJob} ({@code kubeflow.org/v1}, a master and {@code num_nodes - 1}
 * workers). Both are custom resources, written as fabric8 {@link GenericKubernetesResource}s. Every pod runs
 * {@code trl <method>} under Accelerate with one process per GPU, its machine rank and rendezvous address from the
 * variables the operator sets ({@code PET_*} for a TrainJob; {@code RANK}, {@code MASTER_ADDR} for a PyTorchJob),
 * and mounts the claim of Kaizen's home at Kaizen's path, so that the dataset, the base model and the output have
 * the same paths in the job as in the cycle.
 *
 * <p>{@link #await} watches the job's status conditions until one says it ended: {@code Complete} (TrainJob) or
 * {@code Succeeded} (PyTorchJob), or {@code Failed} with the operator's reason.
 */
public final class TrlTrainJob {

    static final ResourceDefinitionContext TRAIN_JOB = new ResourceDefinitionContext.Builder()
            .withGroup("trainer.kubeflow.org").withVersion("v1alpha1").withKind("TrainJob").withPlural("trainjobs")
            .withNamespaced(true).build();
    static final ResourceDefinitionContext PYTORCH_JOB = new ResourceDefinitionContext.Builder()
            .withGroup("kubeflow.org").withVersion("v1").withKind("PyTorchJob").withPlural("pytorchjobs")
            .withNamespaced(true).build();
    static final String CYCLE_LABEL = "kaizen.ai/cycle";
    /** The container of a TrainJob's torch runtime, and of a PyTorchJob (whose operator requires the name). */
    private static final String TRAINJOB_CONTAINER = "node";
    private static final String PYTORCHJOB_CONTAINER = "pytorch";
    private static final String HOME_VOLUME = "kaizen-home";
    /** How often the job is read again, besides the watch (which may miss an event while it reconnects). */
    private static final Duration REREAD = Duration.ofSeconds(15);
    /**
     * Runs {@code trl} with the machine's rank and the rendezvous address of whichever operator started the pod;
     * the arguments come as "$@", never through the shell's parser.
     */
    static final String LAUNCH = "exec trl \"$@\" --machine_rank \"${PET_NODE_RANK:-${RANK:-0}}\""
            + " --main_process_ip \"${PET_MASTER_ADDR:-${MASTER_ADDR:-127.0.0.1}}\""
            + " --main_process_port \"${PET_MASTER_PORT:-${MASTER_PORT:-29500}}\"";

    /** How a job ended. */
    public record Outcome(boolean succeeded, String reason) {
    }

    private final KubernetesClient client;
    private final TrlJobSettings settings;
    private final String namespace;

    public TrlTrainJob(KubernetesClient client, TrlJobSettings settings) {
        this.client = client;
        this.settings = settings;
        this.namespace = settings.namespace().orElseGet(() -> Optional.ofNullable(client.getNamespace())
                .orElse("default"));
    }

    public String namespace() {
        return namespace;
    }

    /** The arguments of {@code trl}: the method, Accelerate's launch, the data and model paths, then the stage's. */
    List<String> trlArguments(Path model, Path dataset, Path output) {
        List<String> args = new ArrayList<>(List.of(settings.method().command(),
                "--num_machines", Integer.toString(settings.nodes()),
                "--num_processes", Integer.toString(settings.nodes() * Math.max(1, settings.gpusPerNode())),
                "--model_name_or_path", model.toString(),
                "--dataset_name", dataset.toString(),
                "--dataset_train_split", TrlExport.TRAIN_SPLIT,
                "--dataset_test_split", TrlExport.TEST_SPLIT,
                "--output_dir", output.toString()));
        settings.args().forEach(e -> {
            args.add("--" + e.getKey());
            // an object or list (e.g. model_init_kwargs) as the JSON text TRL's parser reads
            args.add(e.getValue() instanceof JsonObject o ? o.encode()
                    : e.getValue() instanceof JsonArray a ? a.encode() : String.valueOf(e.getValue()));
        });
        return args;
    }

    /** The job this stage submits for cycle {@code cycleId}, named {@code name}. */
    GenericKubernetesResource manifest(long cycleId, String name, Path home, Path model, Path dataset, Path output) {
        JsonObject metadata = new JsonObject().put("name", name).put("namespace", namespace)
                .put("labels", new JsonObject().put("app.kubernetes.io/name", "kaizen")
                        .put("app.kubernetes.io/component", "trl-trainer")
                        .put(CYCLE_LABEL, Long.toString(cycleId)));
        List<String> args = trlArguments(model, dataset, output);
        JsonObject volume = new JsonObject().put("name", HOME_VOLUME)
                .put("persistentVolumeClaim", new JsonObject().put("claimName", settings.volumeClaim()));
        JsonObject mount = new JsonObject().put("name", HOME_VOLUME).put("mountPath", home.toString());
        JsonObject limits = new JsonObject();
        if (settings.gpusPerNode() > 0) {
            limits.put("nvidia.com/gpu", settings.gpusPerNode());
        }
        JsonArray command = new JsonArray().add("sh").add("-c").add(LAUNCH).add("trl-launch");
        JsonObject manifest;
        if (settings.api() == TrlJobSettings.Api.TRAINJOB) {
            JsonObject override = new JsonObject()
                    .put("targetJobs", new JsonArray().add(new JsonObject().put("name", TRAINJOB_CONTAINER)))
                    .put("volumes", new JsonArray().add(volume))
                    .put("containers", new JsonArray().add(new JsonObject().put("name", TRAINJOB_CONTAINER)
                            .put("volumeMounts", new JsonArray().add(mount))));
            settings.serviceAccount().ifPresent(a -> override.put("serviceAccountName", a));
            if (!settings.nodeSelector().isEmpty()) {
                override.put("nodeSelector", selector());
            }
            manifest = new JsonObject().put("apiVersion", TRAIN_JOB.getGroup() + "/" + TRAIN_JOB.getVersion())
                    .put("kind", TRAIN_JOB.getKind()).put("metadata", metadata)
                    .put("spec", new JsonObject()
                            .put("runtimeRef", new JsonObject().put("name", settings.runtime()))
                            .put("trainer", new JsonObject().put("image", settings.image())
                                    .put("command", command).put("args", new JsonArray(args))
                                    .put("numNodes", settings.nodes())
                                    .put("numProcPerNode", Math.max(1, settings.gpusPerNode()))
                                    .put("resourcesPerNode", new JsonObject().put("limits", limits)))
                            .put("podSpecOverrides", new JsonArray().add(override)));
        } else {
            JsonObject pod = new JsonObject()
                    .put("restartPolicy", "Never")
                    .put("volumes", new JsonArray().add(volume))
                    .put("containers", new JsonArray().add(new JsonObject().put("name", PYTORCHJOB_CONTAINER)
                            .put("image", settings.image()).put("command", command)
                            .put("args", new JsonArray(args))
                            .put("resources", new JsonObject().put("limits", limits))
                            .put("volumeMounts", new JsonArray().add(mount))));
            settings.serviceAccount().ifPresent(a -> pod.put("serviceAccountName", a));
            if (!settings.nodeSelector().isEmpty()) {
                pod.put("nodeSelector", selector());
            }
            JsonObject replicas = new JsonObject().put("Master", replica(1, pod));
            if (settings.nodes() > 1) {
                replicas.put("Worker", replica(settings.nodes() - 1, pod));
            }
            manifest = new JsonObject().put("apiVersion", PYTORCH_JOB.getGroup() + "/" + PYTORCH_JOB.getVersion())
                    .put("kind", PYTORCH_JOB.getKind()).put("metadata", metadata)
                    .put("spec", new JsonObject()
                            .put("runPolicy", new JsonObject().put("backoffLimit", 0))
                            .put("pytorchReplicaSpecs", replicas));
        }
        return Serialization.unmarshal(manifest.encode(), GenericKubernetesResource.class);
    }

    private JsonObject selector() {
        JsonObject selector = new JsonObject();
        settings.nodeSelector().forEach(selector::put);
        return selector;
    }

    private static JsonObject replica(int count, JsonObject pod) {
        return new JsonObject().put("replicas", count).put("restartPolicy", "Never")
                .put("template", new JsonObject().put("spec", pod.copy()));
    }

    /** Creates the job; returns its name. */
    public String submit(long cycleId, String name, Path home, Path model, Path dataset, Path output) {
        return resources().inNamespace(namespace).resource(manifest(cycleId, name, home, model, dataset, output))
                .create().getMetadata().getName();
    }

    /**
     * Waits until the job's status says it ended, watching it; empty when {@code stop} turned true or the timeout
     * passed first (the job is then still there: {@link #delete} it).
     *
     * @param log told each condition the job reaches, once
     */
    public Optional<Outcome> await(String name, BooleanSupplier stop, Duration timeout, Consumer<String> log)
            throws InterruptedException {
        Resource<GenericKubernetesResource> job = resources().inNamespace(namespace).withName(name);
        CompletableFuture<Outcome> ended = new CompletableFuture<>();
        Set<String> seen = new HashSet<>();
        Consumer<GenericKubernetesResource> read = resource -> {
            if (resource == null) {
                ended.complete(new Outcome(false, "the job " + name + " was deleted"));
                return;
            }
            for (JsonObject condition : conditions(resource)) {
                if ("True".equals(condition.getString("status")) && seen.add(condition.getString("type"))) {
                    log.accept("job " + name + ": " + condition.getString("type")
                            + (condition.getString("message") == null ? "" : " (" + condition.getString("message") + ")"));
                }
            }
            outcome(resource).ifPresent(ended::complete);
        };
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Watch watch = job.watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, GenericKubernetesResource resource) {
                read.accept(action == Action.DELETED ? null : resource);
            }

            @Override
            public void onClose(WatcherException cause) {
                // the periodic read below goes on without the watch
            }
        })) {
            long nextRead = 0;
            while (!ended.isDone()) {
                if (stop.getAsBoolean() || System.nanoTime() > deadline) {
                    return Optional.empty();
                }
                if (System.nanoTime() >= nextRead) {
                    read.accept(job.get());
                    nextRead = System.nanoTime() + REREAD.toNanos();
                }
                try {
                    return Optional.of(ended.get(1, TimeUnit.SECONDS));
                } catch (TimeoutException e) {
                    // look at stop and the deadline again
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
            return Optional.of(ended.join());
        }
    }

    /** Deletes the job and, through the operator, its pods. */
    public void delete(String name) {
        resources().inNamespace(namespace).withName(name).delete();
    }

    /** The job's end, when a condition of its status says it ended. */
    static Optional<Outcome> outcome(GenericKubernetesResource job) {
        for (JsonObject condition : conditions(job)) {
            if (!"True".equals(condition.getString("status"))) {
                continue;
            }
            String type = condition.getString("type");
            if ("Complete".equals(type) || "Succeeded".equals(type)) {
                return Optional.of(new Outcome(true, type));
            }
            if ("Failed".equals(type)) {
                String reason = condition.getString("reason");
                String message = condition.getString("message");
                return Optional.of(new Outcome(false, (reason == null ? "Failed" : reason)
                        + (message == null ? "" : ": " + message)));
            }
        }
        return Optional.empty();
    }

    private static List<JsonObject> conditions(GenericKubernetesResource job) {
        JsonObject json = new JsonObject(Serialization.asJson(job));
        JsonObject status = json.getJsonObject("status");
        JsonArray conditions = status == null ? null : status.getJsonArray("conditions");
        List<JsonObject> all = new ArrayList<>();
        if (conditions != null) {
            conditions.forEach(c -> all.add((JsonObject) c));
        }
        return all;
    }

    private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> resources() {
        return client.genericKubernetesResources(settings.api() == TrlJobSettings.Api.TRAINJOB ? TRAIN_JOB
                : PYTORCH_JOB);
    }
}
