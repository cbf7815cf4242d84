package ai.kaizen.trainer.registry;

import ai.kaizen.model.files.FileTrees;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Artifacts in S3-compatible object storage, under {@code s3://bucket/prefix}:
 * <ul>
 *   <li>{@code prefix/models/<name>/files/<path>}: a model's files, and {@code prefix/models/<name>/manifest.json}
 *   (its file list and SHA-256), uploaded after the files: a model without its manifest is not there yet. Only
 *   after that does the caller record the version in the registry, so no registered version points at half a
 *   model.</li>
 *   <li>{@code prefix/cycles/<id>/<path>}: a cycle's working files (datasets, checkpoints), so that a trainer on
 *   another machine resumes where the last one stopped.</li>
 * </ul>
 * Each machine keeps the models it loaded in a cache directory, one directory per checksum, filled by downloading
 * into a temporary directory, checking the SHA-256 and moving it into place; a cached copy is checked again at
 * every load and downloaded anew when it no longer matches.
 */
public final class S3ArtifactStore implements ArtifactStore {

    /** A bucket and a key prefix ({@code s3://bucket/prefix}; the prefix may be empty). */
    public record Location(String bucket, String prefix) {

        /** Parses {@code s3://bucket[/prefix]}; fails with {@link IllegalArgumentException} saying why. */
        public static Location parse(String url) {
            if (!url.startsWith("s3://")) {
                throw new IllegalArgumentException("'" + url + "' is not an s3://bucket/prefix URL");
            }
            String rest = url.substring("s3://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("/+$", "");
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("'" + bucket + "' is not an S3 bucket name");
            }
            return new Location(bucket, prefix);
        }

        String key(String... parts) {
            String joined = String.join("/", parts);
            return prefix.isEmpty() ? joined : prefix + "/" + joined;
        }

        String url(String key) {
            return "s3://" + bucket + "/" + key;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(S3ArtifactStore.class);
    private static final String MANIFEST = "manifest.json";

    private final S3Client s3;
    private final Location root;
    private final Path cache;

    S3ArtifactStore(S3Client s3, Location root, Path cache) {
        this.s3 = s3;
        this.root = root;
        this.cache = cache;
    }

    /**
     * A store at {@code url} ({@code s3://bucket/prefix}).
     *
     * @param endpoint    another S3-compatible server than AWS (MinIO, Ceph, a cloud's S3 API); empty for AWS
     * @param region      the bucket's region; empty: the SDK's own lookup ({@code AWS_REGION}, the profile), else
     *                    {@code us-east-1}
     * @param pathStyle   address buckets as {@code endpoint/bucket} rather than {@code bucket.endpoint} (most
     *                    servers other than AWS want this)
     * @param credentials usually the SDK's default chain ({@code AWS_ACCESS_KEY_ID} and
     *                    {@code AWS_SECRET_ACCESS_KEY}, a profile, a pod's web identity)
     * @param cache       this machine's directory for downloaded models
     */
    public static S3ArtifactStore connect(String url, Optional<URI> endpoint, Optional<String> region,
                                          boolean pathStyle, AwsCredentialsProvider credentials, Path cache) {
        Location root = Location.parse(url);
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofMinutes(2)))
                .credentialsProvider(credentials)
                .forcePathStyle(pathStyle)
                .region(region.map(Region::of).orElseGet(S3ArtifactStore::defaultRegion));
        endpoint.ifPresent(uri -> builder.endpointOverride(uri)
                // servers other than AWS often lack the SDK's newer trailing checksums; the SHA-256 of the
                // whole model, checked after every download, guards the bytes anyway
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED));
        return new S3ArtifactStore(builder.build(), root, cache);
    }

    private static Region defaultRegion() {
        try {
            return new software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain().getRegion();
        } catch (RuntimeException e) {
            return Region.US_EAST_1;
        }
    }

    @Override
    public Stored store(Path source, String name) {
        ModelArtifacts.checkName(name);
        String base = root.key("models", name);
        String sha = ModelArtifacts.checksum(source);
        if (exists(base + "/" + MANIFEST)) {
            // an earlier attempt stored it and stopped before it was registered: the same files are fine
            String there = new JsonObject(read(root.bucket(), base + "/" + MANIFEST)).getString("sha256");
            if (sha.equalsIgnoreCase(there)) {
                return new Stored(root.url(base), there);
            }
            throw new IllegalStateException("another model named " + name + " is already in " + root.url(base));
        }
        JsonArray files = new JsonArray();
        for (Path file : filesOf(source)) {
            String relative = ModelArtifacts.relative(source, file);
            put(base + "/files/" + relative, RequestBody.fromFile(file));
            files.add(new JsonObject().put("path", relative).put("bytes", size(file)));
        }
        // last: the manifest says the model is whole
        put(base + "/" + MANIFEST, RequestBody.fromString(new JsonObject().put("sha256", sha).put("files", files)
                .encodePrettily(), StandardCharsets.UTF_8));
        return new Stored(root.url(base), sha);
    }

    @Override
    public Path open(String location, String sha256) {
        if (!location.startsWith("s3://")) {
            // a version recorded before object storage was configured, or the server's own model.dir
            Path dir = Path.of(location);
            ModelArtifacts.verify(dir, sha256);
            return dir;
        }
        Location at = Location.parse(location);
        Path target = cache.resolve(sha256.toLowerCase(Locale.ROOT));
        if (Files.isDirectory(target)) {
            try {
                ModelArtifacts.verify(target, sha256);
                return target;
            } catch (ModelArtifacts.ChecksumMismatch e) {
                log.warn("the cached copy of {} is damaged, downloading it again: {}", location, e.getMessage());
                FileTrees.deleteQuietly(target);
            }
        }
        Path temporary = cache.resolve(".incoming-" + UUID.randomUUID());
        try {
            JsonObject manifest = new JsonObject(read(at.bucket(), at.prefix() + "/" + MANIFEST));
            for (Object entry : manifest.getJsonArray("files")) {
                String relative = ((JsonObject) entry).getString("path");
                Path file = inside(temporary, relative);
                Files.createDirectories(file.getParent());
                s3.getObject(GetObjectRequest.builder().bucket(at.bucket())
                        .key(at.prefix() + "/files/" + relative).build(), file);
            }
            String actual = ModelArtifacts.checksum(temporary);
            if (!actual.equalsIgnoreCase(sha256)) {
                throw new ModelArtifacts.ChecksumMismatch(location, sha256, actual);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                ModelArtifacts.verify(target, sha256); // another thread or process downloaded it meanwhile
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot download " + location + ": " + e.getMessage(), e);
        } finally {
            FileTrees.deleteQuietly(temporary);
        }
    }

    @Override
    public boolean shared() {
        return true;
    }

    /** Uploads the files that the store lacks or holds in another version (by size and MD5, S3's ETag). */
    @Override
    public void saveCycle(long cycleId, Path workDir) {
        if (!Files.isDirectory(workDir)) {
            return;
        }
        String base = root.key("cycles", Long.toString(cycleId)) + "/";
        Map<String, S3Object> remote = list(base);
        int uploaded = 0;
        for (Path file : filesOf(workDir)) {
            String key = base + ModelArtifacts.relative(workDir, file);
            S3Object there = remote.get(key);
            if (there == null || there.size() != size(file) || !etag(there).equals(md5(file))) {
                put(key, RequestBody.fromFile(file));
                uploaded++;
            }
        }
        log.debug("cycle {}: {} working files uploaded to {}", cycleId, uploaded, root.url(base));
    }

    /** Downloads the files that {@code workDir} lacks, or holds with another size. */
    @Override
    public void restoreCycle(long cycleId, Path workDir) {
        String base = root.key("cycles", Long.toString(cycleId)) + "/";
        try {
            for (S3Object object : list(base).values()) {
                Path file = inside(workDir, object.key().substring(base.length()));
                if (Files.isRegularFile(file) && size(file) == object.size()) {
                    continue;
                }
                Files.createDirectories(file.getParent());
                Path partial = file.resolveSibling(file.getFileName() + ".part-" + UUID.randomUUID());
                s3.getObject(GetObjectRequest.builder().bucket(root.bucket()).key(object.key()).build(), partial);
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore cycle " + cycleId + "'s files: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    private void put(String key, RequestBody body) {
        s3.putObject(PutObjectRequest.builder().bucket(root.bucket()).key(key).build(), body);
    }

    private String read(String bucket, String key) {
        try {
            return s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build())
                    .asUtf8String();
        } catch (NoSuchKeyException e) {
            throw new IllegalStateException("no model at s3://" + bucket + "/" + key.replaceAll("/" + MANIFEST
                    + "$", "") + " (its manifest is missing)", e);
        }
    }

    private boolean exists(String key) {
        try {
            s3.headObject(HeadObjectRequest.builder().bucket(root.bucket()).key(key).build());
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** The files under {@code prefix}: objects, less the folder markers some servers list. */
    private Map<String, S3Object> list(String prefix) {
        Map<String, S3Object> objects = s3.listObjectsV2Paginator(ListObjectsV2Request.builder()
                        .bucket(root.bucket()).prefix(prefix).build()).contents().stream()
                .collect(Collectors.toMap(S3Object::key, Function.identity(), (a, b) -> a, java.util.TreeMap::new));
        objects.keySet().removeIf(key -> key.endsWith("/") || objects.keySet().stream()
                .anyMatch(other -> other.startsWith(key + "/")));
        return objects;
    }

    /** {@code relative} resolved under {@code dir}, refusing a path that would leave it. */
    private static Path inside(Path dir, String relative) {
        Path file = dir.resolve(relative).normalize();
        if (relative.isEmpty() || relative.startsWith("/") || !file.startsWith(dir.normalize())) {
            throw new IllegalStateException("refusing the path '" + relative + "' from object storage");
        }
        return file;
    }

    private static List<Path> filesOf(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .sorted(Comparator.comparing(p -> ModelArtifacts.relative(dir, p))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String etag(S3Object object) {
        return object.eTag() == null ? "" : object.eTag().replace("\"", "").toLowerCase(Locale.ROOT);
    }

    private static String md5(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("MD5"))) {
            byte[] buffer = new byte[1 << 16];
            while (in.read(buffer) >= 0) {
                // the digest stream hashes what passes
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
