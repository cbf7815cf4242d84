package ai.kaizen.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes launcher against fabric8's own API server in CRUD mode (no cluster runs where Kaizen is built):
 * the Job it creates, and how it reads the Job's and the pod's states. The test plays the Job controller and the
 * kubelet by writing their statuses.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesTrainerLauncherTest {

    static KubernetesMockServer server;
    static KubernetesClient client;

    private KubernetesTrainerLauncher launcher;

    @BeforeEach
    void create() {
        // one API server for the class: each test starts from an empty namespace
        client.batch().v1().jobs().inNamespace("training").delete();
        client.pods().inNamespace("training").delete();
        launcher = launcher(Duration.ZERO);
    }

    @AfterEach
    void close() {
        launcher.close();
    }

    private KubernetesTrainerLauncher launcher(Duration scheduleTimeout) {
        TrainerJobSettings settings = new TrainerJobSettings(Optional.of("training"), "registry.example/kaizen:1.2",
                "6", "24Gi", 1, Map.of("nvidia.com/gpu.present", "true"),
                TrainerJobSettings.parseTolerations("nvidia.com/gpu=present:NoSchedule,spot:NoExecute"),
                Optional.of("kaizen-trainer"), Optional.of("kaizen-trainer"), Optional.empty(), scheduleTimeout);
        return new KubernetesTrainerLauncher(server.createClient(), settings,
                Map.of("KAIZEN_ARTIFACTS_URL", "s3://kaizen/prod", "KAIZEN_LOG_LEVEL", "INFO"), 5, Duration.ofMillis(50));
    }

    @Test
    void createsAJobThatRunsTheCycleOnAGpuNodeWithItsSecretsFromASecret() throws Exception {
        TrainerLauncher.Job started = launcher.launch(7);
        Job job = onlyJob();
        assertThat(job.getMetadata().getName()).startsWith("kaizen-cycle-7-");
        assertThat(job.getMetadata().getNamespace()).isEqualTo("training");
        assertThat(job.getMetadata().getLabels()).containsEntry("kaizen.ai/cycle", "7")
                .containsEntry("app.kubernetes.io/component", "trainer");
        assertThat(job.getSpec().getBackoffLimit()).as("a failed trainer is resumed, not retried").isZero();
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getServiceAccountName()).isEqualTo("kaizen-trainer");
        assertThat(pod.getNodeSelector()).containsExactly(Map.entry("nvidia.com/gpu.present", "true"));
        assertThat(pod.getTolerations()).extracting(t -> t.getKey() + "|" + t.getOperator() + "|" + t.getValue()
                        + "|" + t.getEffect())
                .containsExactly("nvidia.com/gpu|Equal|present|NoSchedule", "spot|Exists|null|NoExecute");
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry(KubernetesTrainerLauncher.JOB_LABEL, job.getMetadata().getName());
        Container trainer = pod.getContainers().get(0);
        assertThat(trainer.getImage()).isEqualTo("registry.example/kaizen:1.2");
        assertThat(trainer.getArgs()).containsExactly("train", "cycle", "--cycle-id", "7", "--heartbeat-seconds",
                "5.0");
        assertThat(trainer.getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
                .contains("KAIZEN_HOME=/var/lib/kaizen", "KAIZEN_ARTIFACTS_URL=s3://kaizen/prod");
        assertThat(trainer.getEnv()).as("no database URL or credentials in the Job")
                .noneMatch(e -> e.getName().contains("DATABASE") || e.getName().startsWith("AWS"));
        assertThat(trainer.getEnvFrom()).singleElement()
                .satisfies(from -> assertThat(from.getSecretRef().getName()).isEqualTo("kaizen-trainer"));
        assertThat(trainer.getResources().getRequests()).containsEntry("cpu", new Quantity("6"))
                .containsEntry("memory", new Quantity("24Gi"));
        assertThat(trainer.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"))
                .containsEntry("memory", new Quantity("24Gi"));
        assertThat(pod.getVolumes()).singleElement().satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
        assertThat(trainer.getVolumeMounts()).singleElement()
                .satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/var/lib/kaizen"));

        Thread.sleep(300);
        assertThat(started.ended()).as("a Job that runs has not ended").isNotDone();
    }

    @Test
    void aJobThatSucceedsEnds() throws Exception {
        TrainerLauncher.Job started = launcher.launch(8);
        Job job = onlyJob();
        job.setStatus(new JobStatusBuilder().withSucceeded(1).build());
        client.batch().v1().jobs().inNamespace("training").resource(job).updateStatus();
        assertThat(started.ended().get(10, TimeUnit.SECONDS)).isEqualTo("the trainer ended");
    }

    @Test
    void anEvictedPodIsTheCyclesFailureReason() throws Exception {
        TrainerLauncher.Job started = launcher.launch(9);
        Pod pod = podOf(onlyJob());
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Failed")
                .withReason("Evicted").withMessage("The node was low on resource: memory.").build());
        client.pods().inNamespace("training").resource(pod).updateStatus();
        assertThat(started.ended().get(10, TimeUnit.SECONDS))
                .isEqualTo("the trainer pod was evicted: The node was low on resource: memory.");
    }

    @Test
    void aTrainerThatExitsInErrorSaysItsStatus() throws Exception {
        TrainerLauncher.Job started = launcher.launch(10);
        Pod pod = podOf(onlyJob());
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Failed")
                .addNewContainerStatus().withName("trainer").withNewState().withNewTerminated().withExitCode(137)
                .withReason("OOMKilled").endTerminated().endState().endContainerStatus().build());
        client.pods().inNamespace("training").resource(pod).updateStatus();
        assertThat(started.ended().get(10, TimeUnit.SECONDS)).isEqualTo("the trainer exited with status 137 (OOMKilled)");
    }

    @Test
    void aPodNoNodeCanTakeFailsTheCycleAfterTheScheduleTimeoutAndItsJobIsDeleted() throws Exception {
        launcher.close();
        launcher = launcher(Duration.ofMillis(600));
        TrainerLauncher.Job started = launcher.launch(11);
        Pod pod = podOf(onlyJob());
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Pending")
                .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.").endCondition().build());
        client.pods().inNamespace("training").resource(pod).updateStatus();
        Thread.sleep(300);
        assertThat(started.ended()).as("a pod may wait for a node a while (a cluster may add one)").isNotDone();
        assertThat(started.ended().get(10, TimeUnit.SECONDS))
                .isEqualTo("the trainer pod cannot be scheduled: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
        assertThat(jobs()).as("the Job that cannot run is deleted").isEmpty();
    }

    @Test
    void anImageThatCannotBePulledFailsTheCycle() throws Exception {
        TrainerLauncher.Job started = launcher.launch(12);
        Pod pod = podOf(onlyJob());
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Pending")
                .addNewContainerStatus().withName("trainer").withNewState().withNewWaiting()
                .withReason("ImagePullBackOff").withMessage("Back-off pulling image \"registry.example/kaizen:1.2\"")
                .endWaiting().endState().endContainerStatus().build());
        client.pods().inNamespace("training").resource(pod).updateStatus();
        assertThat(started.ended().get(10, TimeUnit.SECONDS)).startsWith("the trainer pod cannot start "
                + "(ImagePullBackOff): Back-off pulling image");
    }

    @Test
    void stoppingDeletesTheJobAndReleasingLeavesItRunning() throws Exception {
        TrainerLauncher.Job kept = launcher.launch(13);
        kept.release();
        TrainerLauncher.Job cancelled = launcher.launch(14);
        assertThat(jobs()).hasSize(2);
        cancelled.stop();
        assertThat(cancelled.ended().get(10, TimeUnit.SECONDS)).contains("was deleted");
        assertThat(jobs()).singleElement()
                .satisfies(j -> assertThat(j.getMetadata().getLabels()).containsEntry("kaizen.ai/cycle", "13"));
        assertThat(kept.ended()).isNotDone();
    }

    @Test
    void aJobDeletedByOthersEndsTheTrainer() throws Exception {
        TrainerLauncher.Job started = launcher.launch(15);
        client.batch().v1().jobs().inNamespace("training").delete();
        assertThat(started.ended().get(10, TimeUnit.SECONDS)).startsWith("the trainer Job kaizen-cycle-15-")
                .endsWith("was deleted");
    }

    private static List<Job> jobs() {
        return client.batch().v1().jobs().inNamespace("training").list().getItems();
    }

    private static Job onlyJob() {
        List<Job> jobs = jobs();
        assertThat(jobs).hasSize(1);
        return jobs.get(0);
    }

    /** The pod the Job controller would make from the Job's template. */
    private static Pod podOf(Job job) {
        return client.pods().inNamespace("training").resource(new PodBuilder()
                .withNewMetadataLike(job.getSpec().getTemplate().getMetadata())
                .withName(job.getMetadata().getName() + "-x7k2p").withNamespace("training").endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec()).build()).create();
    }
}
