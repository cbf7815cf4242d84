package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.training.ModelOutput;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Hands the training to a distributed trainer, for models one machine cannot train: exports the cycle's dataset
 * version in the TRL format of the method ({@link TrlExport}), runs {@code trl <method>} as a Kubeflow TrainJob or
 * PyTorchJob ({@link TrlTrainJob}) with the options under {@code "external"} ({@link TrlJobSettings}), waits for it,
 * and imports the Hugging Face output it wrote ({@link ModelOutput#imported}: a full model, or PEFT adapters merged
 * into their base). The imported model is this stage's {@link #MODEL_DIR}, so the evaluation stage registers it as
 * the candidate and its gate judges it as it judges a model trained here. Stopping the cycle deletes the job.
 */
final class ExternalStage implements CycleStage {

    /** TRL arguments the stage sets itself. */
    static final List<String> RESERVED_ARGS = List.of("model_name_or_path", "dataset_name", "dataset_train_split",
            "dataset_test_split", "output_dir", "num_machines", "num_processes", "machine_rank", "main_process_ip",
            "main_process_port");

    private final Supplier<KubernetesClient> clients;
    private final Map<String, String> environment;

    ExternalStage() {
        this(() -> new KubernetesClientBuilder().build(), System.getenv());
    }

    /**
     * @param clients     opens a client of the cluster the job runs in (in a pod: its service account's)
     * @param environment the trainer's environment, for defaults (the claim of Kaizen's home)
     */
    ExternalStage(Supplier<KubernetesClient> clients, Map<String, String> environment) {
        this.clients = clients;
        this.environment = environment;
    }

    @Override
    public StageKind kind() {
        return StageKind.EXTERNAL;
    }

    /** The TRL method a request's external stage runs, if it has one (the dataset stage builds what it needs). */
    static Optional<TrlMethod> method(JsonObject request) {
        JsonObject options = request.getJsonObject(StageKind.EXTERNAL.label());
        return options == null || options.getValue("method") == null ? Optional.empty()
                : Optional.of(TrlMethod.parse(String.valueOf(options.getValue("method"))));
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        TrlJobSettings settings = TrlJobSettings.from(context.options(kind()), environment);
        TrlMethod method = settings.method();
        JsonObject dataset = context.result(StageKind.DATASET).orElseThrow(() ->
                new IllegalStateException("the external stage needs the dataset stage before it"));
        String sourceKey = switch (method.source()) {
            case SFT -> "dir";
            case PREFERENCE -> DatasetStage.PREFERENCES_DIR;
            case THUMBS -> DatasetStage.THUMBS_DIR;
        };
        String source = dataset.getString(sourceKey);
        if (source == null) {
            throw new IllegalStateException("the dataset stage built no " + method.source().label()
                    + " dataset for trl " + method.command());
        }
        Path dir = context.stageDir(kind());
        TrlExport export = TrlExport.write(method, Path.of(source), dir.resolve("data"));
        Path model = context.newestModelDir().toAbsolutePath();
        Path output = dir.resolve("output").toAbsolutePath();
        context.progress(kind(), 0, 1);
        context.log("external: " + export.train() + " train, " + export.test() + " test examples for trl "
                + method.command() + " in " + export.dir());
        try (KubernetesClient client = clients.get()) {
            TrlTrainJob job = new TrlTrainJob(client, settings);
            String name = "kaizen-" + context.cycleId() + "-" + method.command() + "-"
                    + UUID.randomUUID().toString().substring(0, 5);
            job.submit(context.cycleId(), name, context.home().toAbsolutePath(), model,
                    export.dir().toAbsolutePath(), output);
            context.log("external: submitted " + settings.api().label() + " " + job.namespace() + "/" + name
                    + " (" + settings.nodes() + " node(s), " + settings.gpusPerNode() + " GPU(s) each)");
            Optional<TrlTrainJob.Outcome> outcome;
            try {
                outcome = job.await(name, context::stopRequested, settings.timeout(), context::log);
            } catch (InterruptedException e) {
                job.delete(name);
                throw e;
            }
            if (outcome.isEmpty()) {
                job.delete(name);
                if (context.stopRequested()) {
                    throw new CycleStopped();
                }
                throw new IllegalStateException("the job " + name + " did not end within "
                        + settings.timeout().toMinutes() + " minutes; it was deleted");
            }
            if (!outcome.get().succeeded()) {
                throw new IllegalStateException("the job " + name + " failed: " + outcome.get().reason());
            }
            Path imported = ModelOutput.imported(output, model, dir.resolve("merged"));
            context.progress(kind(), 1, 1);
            context.log("external: imported " + imported + " from " + name);
            return new JsonObject().put(MODEL_DIR, imported.toString()).put("job", name)
                    .put("api", settings.api().label()).put("method", method.command())
                    .put("train", export.train()).put("test", export.test())
                    .put("adapters", !imported.equals(output)).put("output_dir", output.toString());
        }
    }
}
