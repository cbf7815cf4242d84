package ai.kaizen.trainer.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The object-storage store against a real S3 server (S3Proxy over a temporary directory, in a process of its own),
 * with signed requests: models stored and read back through a cache, checksums that catch damage on either side,
 * half-uploaded models, and a cycle's working files saved and restored on "another machine".
 */
class S3ArtifactStoreIT {

    @TempDir
    static Path dir;
    static S3ProxyServer server;
    static S3Client s3;

    @BeforeAll
    static void start() throws Exception {
        server = S3ProxyServer.start(Files.createDirectories(dir.resolve("s3")));
        s3 = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(server.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(credentials(S3ProxyServer.SECRET_KEY))
                // S3Proxy answers 501 to the SDK's newer trailing checksums (S3ArtifactStore turns them off too)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build();
        s3.createBucket(b -> b.bucket("kaizen-models"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static StaticCredentialsProvider credentials(String secret) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, secret));
    }

    /** A store as one machine (its own cache) sees it. */
    private static S3ArtifactStore machine(String name) {
        return S3ArtifactStore.connect("s3://kaizen-models/prod", Optional.of(server.endpoint()),
                Optional.of("us-east-1"), true, credentials(S3ProxyServer.SECRET_KEY), dir.resolve(name + "/cache"));
    }

    @Test
    void aStoredModelIsReadBackOnAnotherMachineThroughItsCacheAndChecked() throws Exception {
        Path model = Fixtures.stories260k();
        String sha = ModelArtifacts.checksum(model);
        ArtifactStore.Stored stored;
        try (S3ArtifactStore trainer = machine("trainer")) {
            stored = trainer.store(model, "cycle-1@" + sha.substring(0, 12));
            assertThat(trainer.shared()).isTrue();
        }
        assertThat(stored.location()).isEqualTo("s3://kaizen-models/prod/models/cycle-1@" + sha.substring(0, 12));
        assertThat(stored.sha256()).isEqualTo(sha);
        assertThat(keys("prod/models/")).contains("prod/models/cycle-1@" + sha.substring(0, 12) + "/manifest.json",
                "prod/models/cycle-1@" + sha.substring(0, 12) + "/files/config.json");

        try (S3ArtifactStore serving = machine("server")) {
            Path loaded = serving.open(stored.location(), stored.sha256());
            assertThat(loaded).isEqualTo(dir.resolve("server/cache/" + sha));
            assertThat(ModelArtifacts.checksum(loaded)).isEqualTo(sha);
            assertThat(Files.readString(loaded.resolve("config.json")))
                    .isEqualTo(Files.readString(model.resolve("config.json")));
            try (Stream<Path> cached = Files.list(dir.resolve("server/cache"))) {
                assertThat(cached).as("no temporary download is left").containsExactly(loaded);
            }

            // A damaged cached copy is noticed at the next load and downloaded again.
            Files.writeString(loaded.resolve("config.json"), "{}");
            assertThat(serving.open(stored.location(), stored.sha256())).isEqualTo(loaded);
            assertThat(ModelArtifacts.checksum(loaded)).isEqualTo(sha);
        }
    }

    @Test
    void storingTheSameModelTwiceKeepsItAndAnotherModelUnderATakenNameIsRefused() throws Exception {
        Path model = copyOf(Fixtures.stories260k(), dir.resolve("twice"));
        try (S3ArtifactStore store = machine("twice-machine")) {
            ArtifactStore.Stored first = store.store(model, "base@1");
            assertThat(store.store(model, "base@1")).as("an attempt that stopped before registering stored it")
                    .isEqualTo(first);
            Files.writeString(model.resolve("extra.txt"), "not the same model");
            assertThatThrownBy(() -> store.store(model, "base@1")).hasMessageContaining("another model named base@1");
            assertThatThrownBy(() -> store.store(model, "../escape")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void filesChangedInTheBucketAreRefusedAndAHalfUploadedModelIsNotThere() throws Exception {
        Path model = Fixtures.stories260k();
        try (S3ArtifactStore store = machine("tamper")) {
            ArtifactStore.Stored stored = store.store(model, "tampered@1");
            s3.putObject(b -> b.bucket("kaizen-models").key("prod/models/tampered@1/files/config.json"),
                    RequestBody.fromString("{\"hidden_size\": 1}"));
            assertThatThrownBy(() -> store.open(stored.location(), stored.sha256()))
                    .isInstanceOf(ModelArtifacts.ChecksumMismatch.class).hasMessageContaining("registry expects");
            try (Stream<Path> cached = Files.list(dir.resolve("tamper/cache"))) {
                assertThat(cached).as("nothing of a refused download stays in the cache").isEmpty();
            }

            // the files of a model whose upload stopped before its manifest
            s3.putObject(b -> b.bucket("kaizen-models").key("prod/models/half@1/files/config.json"),
                    RequestBody.fromString("{}"));
            assertThatThrownBy(() -> store.open("s3://kaizen-models/prod/models/half@1", stored.sha256()))
                    .hasMessageContaining("no model at s3://kaizen-models/prod/models/half@1");
        }
    }

    @Test
    void aCyclesWorkingFilesAreSavedAndRestoredOnAnotherMachine() throws Exception {
        Path work = Files.createDirectories(dir.resolve("pod-1/cycles/5"));
        Files.createDirectories(work.resolve("sft/checkpoint"));
        Files.writeString(work.resolve("dataset_train.jsonl"), "{\"messages\":[]}\n");
        Files.write(work.resolve("sft/checkpoint/weights.bin"), new byte[]{1, 2, 3, 4});
        try (S3ArtifactStore first = machine("pod-1")) {
            first.saveCycle(5, work);
            Files.write(work.resolve("sft/checkpoint/weights.bin"), new byte[]{5, 6, 7, 8}); // same size, new step
            first.saveCycle(5, work);
        }
        Path elsewhere = dir.resolve("pod-2/cycles/5");
        try (S3ArtifactStore second = machine("pod-2")) {
            second.restoreCycle(5, elsewhere);
            second.restoreCycle(6, dir.resolve("pod-2/cycles/6")); // nothing saved: nothing to do
        }
        assertThat(Files.readAllBytes(elsewhere.resolve("sft/checkpoint/weights.bin"))).containsExactly(5, 6, 7, 8);
        assertThat(Files.readString(elsewhere.resolve("dataset_train.jsonl"))).isEqualTo("{\"messages\":[]}\n");
        assertThat(ModelArtifacts.checksum(elsewhere)).isEqualTo(ModelArtifacts.checksum(work));
    }

    @Test
    void wrongCredentialsAreRefusedByTheServer() {
        try (S3ArtifactStore intruder = S3ArtifactStore.connect("s3://kaizen-models/prod",
                Optional.of(server.endpoint()), Optional.empty(), true, credentials("wrong"), dir.resolve("x"))) {
            assertThatThrownBy(() -> intruder.store(Fixtures.stories260k(), "intruder@1"))
                    .isInstanceOf(S3Exception.class)
                    .satisfies(e -> assertThat(((S3Exception) e).statusCode()).isEqualTo(403));
        }
    }

    @Test
    void theSettingsNameTheStore() {
        assertThat(ArtifactSettings.local().open(dir.resolve("home"))).isInstanceOf(LocalArtifactStore.class);
        try (ArtifactStore s3Store = new ArtifactSettings("s3://kaizen-models/prod", Optional.of(server.endpoint()),
                Optional.of("us-east-1"), true).open(dir.resolve("home"))) {
            assertThat(s3Store).isInstanceOf(S3ArtifactStore.class);
        }
        assertThatThrownBy(() -> new ArtifactSettings("s3://Bad_Bucket/x", Optional.empty(), Optional.empty(),
                false)).hasMessageContaining("not an S3 bucket name");
        assertThatThrownBy(() -> new ArtifactSettings("/var/models", Optional.empty(), Optional.empty(), false))
                .hasMessageContaining("not an s3://bucket/prefix URL");
    }

    private static java.util.List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket("kaizen-models").prefix(prefix)).contents().stream()
                .map(o -> o.key()).toList();
    }

    private static Path copyOf(Path source, Path target) throws Exception {
        ModelArtifacts.copyTree(source, target);
        return target;
    }
}
