package ai.kaizen.trainer.cycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.TokenListener;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.lora.LoraConfig;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.DatasetKind;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.training.ModelOutput;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-off to a distributed trainer against fabric8's own API server in CRUD mode (no cluster runs where Kaizen
 * is built): the TrainJob and PyTorchJob manifests the stage submits, its wait on their status conditions (the test
 * plays the operator by writing them), the TRL export, and the import of a checkpoint the test writes in Hugging
 * Face layout (full, and PEFT adapters).
 */
@EnableKubernetesMockClient(crud = true)
class ExternalStageTest {

    static KubernetesMockServer server;
    static KubernetesClient client;

    @TempDir
    Path dir;

    @BeforeEach
    void empty() {
        client.genericKubernetesResources(TrlTrainJob.TRAIN_JOB).inNamespace("ml").delete();
        client.genericKubernetesResources(TrlTrainJob.PYTORCH_JOB).inNamespace("ml").delete();
    }

    private static JsonObject options(String method, String api) {
        return new JsonObject().put("method", method).put("api", api).put("image", "registry.example/trl:0.24")
                .put("namespace", "ml").put("num_nodes", 2).put("gpus_per_node", 8)
                .put("service_account", "trl-trainer").put("node_selector", new JsonObject().put("gpu", "h100"))
                .put("args", new JsonObject().put("learning_rate", 5e-7).put("beta", 0.1).put("use_peft", true)
                        .put("model_init_kwargs", new JsonObject().put("torch_dtype", "bfloat16")));
    }

    private static TrlJobSettings settings(JsonObject options) {
        return TrlJobSettings.from(options, Map.of(TrlJobSettings.HOME_CLAIM_VARIABLE, "kaizen-home"));
    }

    private static JsonObject stored(GenericKubernetesResource resource) {
        return new JsonObject(Serialization.asJson(resource));
    }

    @Test
    void submitsATrainJobRunningTrlDpoOnTwoNodesWithKaizensHomeMounted() {
        TrlTrainJob job = new TrlTrainJob(server.createClient(), settings(options("dpo", "trainjob")));
        String name = job.submit(7, "kaizen-7-dpo-abcde", Path.of("/var/lib/kaizen"),
                Path.of("/var/lib/kaizen/models/base"), Path.of("/var/lib/kaizen/cycles/7/external/data"),
                Path.of("/var/lib/kaizen/cycles/7/external/output"));

        JsonObject created = stored(client.genericKubernetesResources(TrlTrainJob.TRAIN_JOB).inNamespace("ml")
                .withName(name).get());
        assertThat(created.getString("apiVersion")).isEqualTo("trainer.kubeflow.org/v1alpha1");
        assertThat(created.getString("kind")).isEqualTo("TrainJob");
        assertThat(created.getJsonObject("metadata").getJsonObject("labels").getString("kaizen.ai/cycle"))
                .isEqualTo("7");
        JsonObject spec = created.getJsonObject("spec");
        assertThat(spec.getJsonObject("runtimeRef").getString("name")).isEqualTo("torch-distributed");
        JsonObject trainer = spec.getJsonObject("trainer");
        assertThat(trainer.getString("image")).isEqualTo("registry.example/trl:0.24");
        assertThat(trainer.getInteger("numNodes")).isEqualTo(2);
        assertThat(trainer.getInteger("numProcPerNode")).isEqualTo(8);
        assertThat(trainer.getJsonObject("resourcesPerNode").getJsonObject("limits").getValue("nvidia.com/gpu")
                .toString()).isEqualTo("8");
        assertThat(trainer.getJsonArray("command").getList()).containsExactly("sh", "-c", TrlTrainJob.LAUNCH,
                "trl-launch");
        assertThat(trainer.getJsonArray("args").getList()).containsExactly("dpo",
                "--num_machines", "2", "--num_processes", "16",
                "--model_name_or_path", "/var/lib/kaizen/models/base",
                "--dataset_name", "/var/lib/kaizen/cycles/7/external/data",
                "--dataset_train_split", "train", "--dataset_test_split", "test",
                "--output_dir", "/var/lib/kaizen/cycles/7/external/output",
                "--learning_rate", "5.0E-7", "--beta", "0.1", "--use_peft", "true",
                "--model_init_kwargs", "{\"torch_dtype\":\"bfloat16\"}");
        JsonObject override = spec.getJsonArray("podSpecOverrides").getJsonObject(0);
        assertThat(override.getJsonArray("targetJobs").getJsonObject(0).getString("name")).isEqualTo("node");
        assertThat(override.getString("serviceAccountName")).isEqualTo("trl-trainer");
        assertThat(override.getJsonObject("nodeSelector").getString("gpu")).isEqualTo("h100");
        assertThat(override.getJsonArray("volumes").getJsonObject(0).getJsonObject("persistentVolumeClaim")
                .getString("claimName")).isEqualTo("kaizen-home");
        assertThat(override.getJsonArray("containers").getJsonObject(0).getJsonArray("volumeMounts")
                .getJsonObject(0).getString("mountPath")).isEqualTo("/var/lib/kaizen");
    }

    @Test
    void onOlderClustersSubmitsAPyTorchJobWithAMasterAndWorkers() {
        TrlTrainJob job = new TrlTrainJob(server.createClient(), settings(options("kto", "pytorchjob")));
        String name = job.submit(8, "kaizen-8-kto-abcde", Path.of("/home/k"), Path.of("/home/k/base"),
                Path.of("/home/k/data"), Path.of("/home/k/out"));

        JsonObject created = stored(client.genericKubernetesResources(TrlTrainJob.PYTORCH_JOB).inNamespace("ml")
                .withName(name).get());
        assertThat(created.getString("apiVersion")).isEqualTo("kubeflow.org/v1");
        assertThat(created.getString("kind")).isEqualTo("PyTorchJob");
        JsonObject replicas = created.getJsonObject("spec").getJsonObject("pytorchReplicaSpecs");
        assertThat(replicas.getJsonObject("Master").getInteger("replicas")).isEqualTo(1);
        assertThat(replicas.getJsonObject("Worker").getInteger("replicas")).isEqualTo(1);
        JsonObject pod = replicas.getJsonObject("Worker").getJsonObject("template").getJsonObject("spec");
        JsonObject container = pod.getJsonArray("containers").getJsonObject(0);
        assertThat(container.getString("name")).isEqualTo("pytorch");
        assertThat(container.getJsonArray("args").getString(0)).isEqualTo("kto");
        assertThat(container.getJsonObject("resources").getJsonObject("limits").getValue("nvidia.com/gpu")
                .toString()).isEqualTo("8");
        assertThat(container.getJsonArray("volumeMounts").getJsonObject(0).getString("mountPath"))
                .isEqualTo("/home/k");
        assertThat(pod.getString("serviceAccountName")).isEqualTo("trl-trainer");
        assertThat(pod.getString("restartPolicy")).isEqualTo("Never");
    }

    @Test
    void waitsForTheStatusConditionsToSayTheJobEnded() throws Exception {
        TrlTrainJob job = new TrlTrainJob(server.createClient(), settings(options("sft", "trainjob")));
        String name = job.submit(9, "kaizen-9-sft-abcde", dir, dir.resolve("base"), dir.resolve("data"),
                dir.resolve("out"));
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Optional<TrlTrainJob.Outcome>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return job.await(name, () -> false, Duration.ofMinutes(1), log::add);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        setConditions(TrlTrainJob.TRAIN_JOB, name, condition("Created", "True", null, "the job was created"));
        Thread.sleep(300);
        assertThat(waiting).isNotDone();
        setConditions(TrlTrainJob.TRAIN_JOB, name, condition("Created", "True", null, "the job was created"),
                condition("Complete", "True", "JobsCompleted", "all jobs completed"));
        assertThat(waiting.get(30, TimeUnit.SECONDS)).contains(new TrlTrainJob.Outcome(true, "Complete"));
        assertThat(log).anyMatch(l -> l.contains("Created")).anyMatch(l -> l.contains("Complete"));

        String failing = job.submit(9, "kaizen-9-sft-fghij", dir, dir.resolve("base"), dir.resolve("data"),
                dir.resolve("out"));
        setConditions(TrlTrainJob.TRAIN_JOB, failing, condition("Failed", "True", "BackoffLimitExceeded",
                "node-0 exited with 1: CUDA out of memory"));
        assertThat(job.await(failing, () -> false, Duration.ofMinutes(1), l -> { }))
                .contains(new TrlTrainJob.Outcome(false, "BackoffLimitExceeded: node-0 exited with 1: CUDA out of memory"));

        String stopped = job.submit(9, "kaizen-9-sft-klmno", dir, dir.resolve("base"), dir.resolve("data"),
                dir.resolve("out"));
        AtomicBoolean stop = new AtomicBoolean(true);
        assertThat(job.await(stopped, stop::get, Duration.ofMinutes(1), l -> { })).isEmpty();
        job.delete(stopped);
        assertThat(client.genericKubernetesResources(TrlTrainJob.TRAIN_JOB).inNamespace("ml").withName(stopped)
                .get()).isNull();
    }

    @Test
    void aPyTorchJobHasSucceededWhenItsConditionSaysSo() {
        GenericKubernetesResource job = Serialization.unmarshal(new JsonObject().put("apiVersion", "kubeflow.org/v1")
                .put("kind", "PyTorchJob").put("metadata", new JsonObject().put("name", "j"))
                .put("status", new JsonObject().put("conditions", new JsonArray()
                        .add(condition("Running", "False", null, null))
                        .add(condition("Succeeded", "True", "PyTorchJobSucceeded", null)))).encode(),
                GenericKubernetesResource.class);
        assertThat(TrlTrainJob.outcome(job)).contains(new TrlTrainJob.Outcome(true, "Succeeded"));
    }

    @Test
    void optionsAreCheckedWithMessagesThatNameTheOption() {
        assertThatThrownBy(() -> settings(options("ppo", "trainjob")))
                .hasMessageContaining("unknown TRL method 'ppo'");
        assertThatThrownBy(() -> settings(options("sft", "mpijob"))).hasMessageContaining("external.api");
        assertThatThrownBy(() -> settings(options("sft", "trainjob").put("args",
                new JsonObject().put("output_dir", "/tmp")))).hasMessageContaining("must not set output_dir");
        assertThatThrownBy(() -> TrlJobSettings.from(options("sft", "trainjob"), Map.of()))
                .hasMessageContaining("external.volume_claim is needed");
        assertThatThrownBy(() -> settings(options("sft", "trainjob").put("num_nodes", 0)))
                .hasMessageContaining("external.num_nodes");
        assertThatThrownBy(() -> CycleRunner.stagesOf(new JsonObject().put("stages",
                new JsonArray().add("dataset").add("external").add("evaluate"))))
                .hasMessageContaining("external.method");
    }

    @Test
    void exportsEachMethodsTrlFormatFromTheCyclesDataset() throws Exception {
        Path pairs = dir.resolve("preferences");
        List<ChatMessage> refund = List.of(ChatMessage.user("I want my money back"));
        List<ChatMessage> invoice = List.of(ChatMessage.user("Where is my invoice?"));
        JsonlFormats.writeSplits(DatasetKind.PREFERENCE, List.of(
                        new PreferenceExample(refund, "Refunds take 5 days.", "No.", Provenance.of("pairwise", "p1")),
                        new PreferenceExample(refund, "Here is the form.", "Ask later.", Provenance.of("ranking", "r1")),
                        PreferenceExample.tie(invoice, "Under Billing.", "In Billing.", Provenance.of("pairwise", "p2"))),
                List.of(new PreferenceExample(invoice, "Account > Billing.", "Dunno.", Provenance.of("pairwise", "p3"))),
                pairs);

        TrlExport dpo = TrlExport.write(TrlMethod.DPO, pairs, dir.resolve("dpo"));
        assertThat(dpo.train()).as("the tie is left out").isEqualTo(2);
        assertThat(dpo.test()).isEqualTo(1);
        List<String> dpoLines = Files.readAllLines(dir.resolve("dpo/train.jsonl"));
        assertThat(dpoLines).hasSize(2).allSatisfy(l -> assertThat(new JsonObject(l).fieldNames())
                .contains("prompt", "chosen", "rejected").doesNotContain("tie"));
        assertThat(dir.resolve("dpo/test.jsonl")).exists();

        TrlExport grpo = TrlExport.write(TrlMethod.GRPO, pairs, dir.resolve("grpo"));
        assertThat(grpo.train()).as("each prompt once").isEqualTo(1);
        assertThat(new JsonObject(Files.readString(dir.resolve("grpo/train.jsonl")).strip()))
                .isEqualTo(new JsonObject().put("prompt", new JsonArray().add(new JsonObject().put("role", "user")
                        .put("content", "I want my money back"))));

        Path thumbs = dir.resolve("thumbs");
        JsonlFormats.writeSplits(DatasetKind.THUMBS, List.of(new ThumbsExample(refund, "Refunds take 5 days.", true,
                Provenance.of("rating", "t1"))), List.of(), thumbs);
        TrlExport kto = TrlExport.write(TrlMethod.KTO, thumbs, dir.resolve("kto"));
        assertThat(kto.train()).isEqualTo(1);
        assertThat(new JsonObject(Files.readString(dir.resolve("kto/train.jsonl")).strip()).fieldNames())
                .contains("prompt", "completion", "label");
        assertThatThrownBy(() -> TrlExport.write(TrlMethod.KTO, thumbs.resolve("missing"), dir.resolve("none")))
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    void handsOffAndImportsTheFullModelTheJobWrote() throws Exception {
        Path base = Fixtures.stories260k();
        TrlTrainJob job = new TrlTrainJob(server.createClient(), settings(options("sft", "trainjob")));
        Path output = dir.resolve("external/output");
        String name = job.submit(10, "kaizen-10-sft-abcde", dir, base, dir.resolve("external/data"), output);
        // the operator's part: the job's pods write TRL's output_dir, then the job reports Complete
        CompletableFuture<Void> operator = CompletableFuture.runAsync(() -> {
            GenericKubernetesResource created = client.genericKubernetesResources(TrlTrainJob.TRAIN_JOB)
                    .inNamespace("ml").withName(name).get();
            JsonArray args = stored(created).getJsonObject("spec").getJsonObject("trainer").getJsonArray("args");
            Path outputDir = Path.of(args.getString(args.getList().indexOf("--output_dir") + 1));
            try (LanguageModel model = LanguageModel.load(base)) {
                ModelOutput.save(model, null, false, outputDir);
            }
            setConditions(TrlTrainJob.TRAIN_JOB, name, condition("Complete", "True", null, null));
        });
        assertThat(job.await(name, () -> false, Duration.ofMinutes(1), l -> { }))
                .contains(new TrlTrainJob.Outcome(true, "Complete"));
        operator.get(30, TimeUnit.SECONDS);

        Path imported = ModelOutput.imported(output, base, dir.resolve("external/merged"));
        assertThat(imported).isEqualTo(output);
        try (LanguageModel candidate = LanguageModel.load(imported);
             LanguageModel original = LanguageModel.load(base)) {
            GenerationOptions greedy = GenerationOptions.greedy(8);
            assertThat(candidate.generator().generate("Once upon a time", greedy, TokenListener.NONE).text())
                    .isEqualTo(original.generator().generate("Once upon a time", greedy, TokenListener.NONE).text());
        }
    }

    @Test
    void importsPeftAdaptersMergedIntoTheBaseTheJobTrainedFrom() throws Exception {
        Path base = Fixtures.stories260k();
        Path output = dir.resolve("output");
        try (LanguageModel model = LanguageModel.load(base);
             Lora lora = Lora.attach(model.network(), LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj")), 3)) {
            ModelOutput.save(model, lora, false, output);
        }
        // as PEFT writes it on the job's machine: the base named as on the hub
        JsonObject adapter = new JsonObject(Files.readString(output.resolve(Lora.CONFIG_FILE)))
                .put("base_model_name_or_path", "HuggingFaceTB/SmolLM2-135M");
        Files.writeString(output.resolve(Lora.CONFIG_FILE), adapter.encodePrettily());

        Path imported = ModelOutput.imported(output, base, dir.resolve("merged"));

        assertThat(imported).isEqualTo(dir.resolve("merged"));
        assertThat(imported.resolve("config.json")).isRegularFile();
        assertThat(Json.readObject(output.resolve(Lora.CONFIG_FILE)).get("base_model_name_or_path").getAsString())
                .isEqualTo(base.toAbsolutePath().toString());
        try (LanguageModel merged = LanguageModel.load(imported)) {
            assertThat(merged.generator().generate("Once upon a time", GenerationOptions.greedy(4),
                    TokenListener.NONE).text()).isNotNull();
        }
        assertThatThrownBy(() -> ModelOutput.imported(dir.resolve("empty-output"), base, dir.resolve("m2")))
                .hasMessageContaining("neither a full model");
    }

    private static JsonObject condition(String type, String status, String reason, String message) {
        return new JsonObject().put("type", type).put("status", status).put("reason", reason).put("message", message);
    }

    /** Plays the operator: writes the job's status conditions. */
    private static void setConditions(io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext kind,
                                      String name, JsonObject... conditions) {
        GenericKubernetesResource job = client.genericKubernetesResources(kind).inNamespace("ml").withName(name).get();
        List<Object> all = new ArrayList<>();
        for (JsonObject c : conditions) {
            all.add(c.getMap());
        }
        job.setAdditionalProperty("status", Map.of("conditions", all));
        client.genericKubernetesResources(kind).inNamespace("ml").resource(job).updateStatus();
    }
}
