package ai.kaizen.server.lifecycle;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the trainer as a Kubernetes Job, created through the Kubernetes API: one pod, never restarted (a failed
 * trainer is resumed by an operator, not retried blindly), with the configured image, resources, node selector,
 * tolerations and service account. The database URL and object-storage credentials reach it from a Secret
 * ({@code envFrom}), never written into the Job. The launcher polls the Job and its pod and reports the end with
 * its reason: the trainer's exit status, a pod evicted or pre-empted, a pod that no node can take or whose image
 * cannot be pulled for longer than the schedule timeout (the Job is then deleted). Stopping deletes the Job and
 * its pod.
 */
public final class KubernetesTrainerLauncher implements TrainerLauncher {

    /** The trainer's home inside the pod: the image's KAIZEN_HOME. */
    static final String HOME = "/var/lib/kaizen";
    static final String CYCLE_LABEL = "kaizen.ai/cycle";
    static final String JOB_LABEL = "kaizen.ai/trainer-job";
    private static final Set<String> IMAGE_FAILURES = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError");

    private static final Logger log = LoggerFactory.getLogger(KubernetesTrainerLauncher.class);

    private final KubernetesClient client;
    private final TrainerJobSettings settings;
    private final String namespace;
    private final Map<String, String> environment;
    private final double heartbeatSeconds;
    private final Duration poll;
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kubernetes-trainer-watch");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param environment plain (not secret) variables for the trainer, e.g. {@code KAIZEN_ARTIFACTS_URL}
     * @param poll        how often the Job and its pod are read
     */
    public KubernetesTrainerLauncher(KubernetesClient client, TrainerJobSettings settings,
                                     Map<String, String> environment, double heartbeatSeconds, Duration poll) {
        this.client = client;
        this.settings = settings;
        this.namespace = settings.namespace().orElseGet(() -> Optional.ofNullable(client.getNamespace())
                .orElse("default"));
        this.environment = new TreeMap<>(environment);
        this.heartbeatSeconds = heartbeatSeconds;
        this.poll = poll;
    }

    public String namespace() {
        return namespace;
    }

    @Override
    public TrainerLauncher.Job launch(long cycleId) {
        // a resumed cycle gets a Job of its own: the last attempt's may still be there (kept for its logs)
        String name = "kaizen-cycle-" + cycleId + "-" + UUID.randomUUID().toString().substring(0, 5);
        io.fabric8.kubernetes.api.model.batch.v1.Job created = client.batch().v1().jobs().inNamespace(namespace).resource(manifest(cycleId, name)).create();
        log.info("cycle {}: created trainer Job {}/{}", cycleId, namespace, created.getMetadata().getName());
        return new Watched(name);
    }

    /** The Job this launcher creates for cycle {@code cycleId}. */
    io.fabric8.kubernetes.api.model.batch.v1.Job manifest(long cycleId, String name) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", "kaizen");
        labels.put("app.kubernetes.io/component", "trainer");
        labels.put(CYCLE_LABEL, Long.toString(cycleId));
        labels.put(JOB_LABEL, name);
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("KAIZEN_HOME", HOME, null));
        environment.forEach((key, value) -> env.add(new EnvVarBuilder().withName(key).withValue(value).build()));
        Map<String, Quantity> requests = new LinkedHashMap<>();
        requests.put("cpu", new Quantity(settings.cpu()));
        requests.put("memory", new Quantity(settings.memory()));
        Map<String, Quantity> limits = new LinkedHashMap<>();
        limits.put("memory", new Quantity(settings.memory()));
        if (settings.gpus() > 0) {
            limits.put("nvidia.com/gpu", new Quantity(Integer.toString(settings.gpus())));
        }
        VolumeBuilder home = new VolumeBuilder().withName("home");
        settings.homeClaim().ifPresentOrElse(
                claim -> home.withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim(),
                () -> home.withNewEmptyDir().endEmptyDir());
        return new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withTtlSecondsAfterFinished(86_400)
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withServiceAccountName(settings.serviceAccount().orElse(null))
                .withNodeSelector(settings.nodeSelector().isEmpty() ? null : settings.nodeSelector())
                .withTolerations(settings.tolerations())
                .withNewSecurityContext().withRunAsNonRoot(true).withFsGroup(999L).endSecurityContext()
                .addNewContainer()
                .withName("trainer")
                .withImage(settings.image())
                .withArgs("train", "cycle", "--cycle-id", Long.toString(cycleId),
                        "--heartbeat-seconds", Double.toString(heartbeatSeconds))
                .withEnv(env)
                .withEnvFrom(settings.secret().map(secret -> List.of(new io.fabric8.kubernetes.api.model
                        .EnvFromSourceBuilder().withNewSecretRef().withName(secret).withOptional(false)
                        .endSecretRef().build())).orElse(List.of()))
                .withNewResources().withRequests(requests).withLimits(limits).endResources()
                .withNewSecurityContext().withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .addNewVolumeMount().withName("home").withMountPath(HOME).endVolumeMount()
                .endContainer()
                .withVolumes(home.build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    @Override
    public void close() {
        watcher.shutdownNow();
        client.close();
    }

    /** A created Job, read every {@code poll} until it ends. */
    private final class Watched implements TrainerLauncher.Job {
        private final String name;
        private final CompletableFuture<String> ended = new CompletableFuture<>();
        private final ScheduledFuture<?> polling;
        /** Since when the pod has been waiting for a node or an image, and why. */
        private Instant waitingSince;

        Watched(String name) {
            this.name = name;
            this.polling = watcher.scheduleWithFixedDelay(this::check, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
        }

        private Resource<io.fabric8.kubernetes.api.model.batch.v1.Job> job() {
            return client.batch().v1().jobs().inNamespace(namespace).withName(name);
        }

        private void check() {
            try {
                Optional<String> end = endOf(job().get());
                end.ifPresent(reason -> {
                    polling.cancel(false);
                    ended.complete(reason);
                });
            } catch (KubernetesClientException e) {
                // the API server is away for a moment: read again at the next poll
                log.warn("cannot read trainer Job {}/{}: {}", namespace, name, e.getMessage());
            } catch (RuntimeException e) {
                polling.cancel(false);
                ended.completeExceptionally(e);
            }
        }

        /** Why the trainer ended, or empty while it runs (or waits, within the schedule timeout). */
        private Optional<String> endOf(io.fabric8.kubernetes.api.model.batch.v1.Job job) {
            if (job == null) {
                return Optional.of("the trainer Job " + name + " was deleted");
            }
            List<Pod> pods = client.pods().inNamespace(namespace).withLabel(JOB_LABEL, name).list().getItems();
            for (Pod pod : pods) {
                Optional<String> failure = failureOf(pod);
                if (failure.isPresent()) {
                    return failure;
                }
            }
            JobStatus status = job.getStatus();
            if (status != null && status.getSucceeded() != null && status.getSucceeded() > 0) {
                return Optional.of("the trainer ended");
            }
            if (status != null && status.getConditions() != null) {
                for (JobCondition condition : status.getConditions()) {
                    if ("Failed".equals(condition.getType()) && "True".equals(condition.getStatus())) {
                        return Optional.of("the trainer Job failed (" + condition.getReason() + "): "
                                + condition.getMessage());
                    }
                }
            }
            Optional<String> waiting = pods.stream().map(KubernetesTrainerLauncher::waitingOf)
                    .flatMap(Optional::stream).findFirst();
            if (waiting.isEmpty()) {
                waitingSince = null;
                return Optional.empty();
            }
            if (waitingSince == null) {
                waitingSince = Instant.now();
            }
            if (Duration.between(waitingSince, Instant.now()).compareTo(settings.scheduleTimeout()) < 0) {
                return Optional.empty();
            }
            deleteJob();
            return waiting;
        }

        @Override
        public CompletableFuture<String> ended() {
            return ended;
        }

        @Override
        public void stop() {
            polling.cancel(false);
            deleteJob();
            ended.complete("the trainer Job " + name + " was deleted");
        }

        /** The Job goes on without this server; its heartbeat says whether it lives. */
        @Override
        public void release() {
            polling.cancel(false);
        }

        private void deleteJob() {
            try {
                job().withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
                        .delete();
                log.info("deleted trainer Job {}/{}", namespace, name);
            } catch (KubernetesClientException e) {
                log.warn("cannot delete trainer Job {}/{}: {}", namespace, name, e.getMessage());
            }
        }
    }

    /** A pod that will not run the trainer to its end: evicted, pre-empted, or its container exited in error. */
    static Optional<String> failureOf(Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        var status = pod.getStatus();
        if ("Evicted".equals(status.getReason())) {
            return Optional.of("the trainer pod was evicted: " + status.getMessage());
        }
        for (PodCondition condition : conditions(pod)) {
            if ("DisruptionTarget".equals(condition.getType()) && "True".equals(condition.getStatus())) {
                return Optional.of("the trainer pod was stopped by Kubernetes (" + condition.getReason() + "): "
                        + condition.getMessage());
            }
        }
        if (status.getContainerStatuses() != null) {
            for (ContainerStatus container : status.getContainerStatuses()) {
                ContainerStateTerminated terminated = container.getState() == null ? null
                        : container.getState().getTerminated();
                if (terminated != null && terminated.getExitCode() != null && terminated.getExitCode() != 0) {
                    return Optional.of("the trainer exited with status " + terminated.getExitCode()
                            + (terminated.getReason() == null ? "" : " (" + terminated.getReason() + ")"));
                }
            }
        }
        if ("Failed".equals(status.getPhase())) {
            return Optional.of("the trainer pod failed" + (status.getReason() == null ? ""
                    : " (" + status.getReason() + ")") + (status.getMessage() == null ? "" : ": "
                    + status.getMessage()));
        }
        return Optional.empty();
    }

    /** Why a pending pod waits, where it may wait forever: no node can take it, or its image cannot be had. */
    static Optional<String> waitingOf(Pod pod) {
        if (pod.getStatus() == null || !"Pending".equals(pod.getStatus().getPhase())) {
            return Optional.empty();
        }
        for (PodCondition condition : conditions(pod)) {
            if ("PodScheduled".equals(condition.getType()) && "False".equals(condition.getStatus())
                    && "Unschedulable".equals(condition.getReason())) {
                return Optional.of("the trainer pod cannot be scheduled: " + condition.getMessage());
            }
        }
        if (pod.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus container : pod.getStatus().getContainerStatuses()) {
                ContainerStateWaiting waiting = container.getState() == null ? null : container.getState()
                        .getWaiting();
                if (waiting != null && IMAGE_FAILURES.contains(waiting.getReason())) {
                    return Optional.of("the trainer pod cannot start (" + waiting.getReason() + "): "
                            + waiting.getMessage());
                }
            }
        }
        return Optional.empty();
    }

    private static List<PodCondition> conditions(Pod pod) {
        return pod.getStatus().getConditions() == null ? List.of() : pod.getStatus().getConditions();
    }
}
