package ai.kaizen.trainer.registry;

import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where artifacts go: {@code url} empty for the directory under Kaizen's home, or {@code s3://bucket/prefix} for
 * object storage, with an optional endpoint (servers other than AWS), region and path-style addressing. The
 * credentials come from the AWS SDK's usual places ({@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY},
 * a profile, a Kubernetes pod's web identity), never from Kaizen's configuration.
 */
public record ArtifactSettings(String url, Optional<URI> endpoint, Optional<String> region, boolean pathStyle) {

    /** The default: models under the home. */
    public static ArtifactSettings local() {
        return new ArtifactSettings("", Optional.empty(), Optional.empty(), false);
    }

    public ArtifactSettings {
        if (!url.isEmpty()) {
            S3ArtifactStore.Location.parse(url);
        }
    }

    public boolean isLocal() {
        return url.isEmpty();
    }

    /** The store these settings name; object storage caches the models it loads under {@code home/cache}. */
    public ArtifactStore open(Path home) {
        return isLocal() ? LocalArtifactStore.under(home)
                : S3ArtifactStore.connect(url, endpoint, region, pathStyle, DefaultCredentialsProvider.builder().build(),
                        home.resolve("cache").resolve("models"));
    }
}
