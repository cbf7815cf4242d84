package ai.kaizen.trainer.dataset;

import ai.kaizen.db.OwnerOnly;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The customer-service data that ships with Kaizen (the repository's {@code data/} folder: {@code bitext/},
 * {@code taskmaster-tm4/}, {@code abcd/}), carried as resources under {@code kaizen-data/} so that a command finds
 * it from any working directory. Readers take directories, so where the resources sit inside a jar they are
 * unpacked once under the Kaizen home.
 */
public final class ShippedData {

    /** The resource folder the build copies {@code data/} into. */
    static final String RESOURCES = "kaizen-data/";
    private static final String MARKER = RESOURCES + "README.md";

    private ShippedData() {
    }

    /**
     * @param home the Kaizen home, where a jar's copy is unpacked ({@code home/data})
     * @return a directory holding {@code bitext/}, {@code taskmaster-tm4/} and {@code abcd/}
     * @throws IllegalStateException if the data is not on the class path (a build that left it out)
     */
    public static Path directory(Path home) {
        URL marker = ShippedData.class.getClassLoader().getResource(MARKER);
        if (marker == null) {
            throw new IllegalStateException("the shipped data (" + RESOURCES + " on the class path) is missing; "
                    + "give the data folder with --data");
        }
        try {
            if (marker.getProtocol().equals("file")) {
                return Path.of(marker.toURI()).getParent();
            }
            if (marker.getProtocol().equals("jar")) {
                JarURLConnection connection = (JarURLConnection) marker.openConnection();
                connection.setUseCaches(false);
                try (JarFile jar = connection.getJarFile()) {
                    OwnerOnly.directory(home);
                    return unpack(jar, home.resolve("data"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the shipped data: " + e.getMessage(), e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("the shipped data is at " + marker + ", which is neither a folder nor a jar");
    }

    /** @return the Bitext CSV folder of {@link #directory(Path)} */
    public static Path bitext(Path home) {
        return directory(home).resolve("bitext");
    }

    /**
     * Copies the jar's {@code kaizen-data/} entries into {@code target}, skipping files already there with the
     * entry's size; each file is written beside its place and moved in, so a crash never leaves half a file.
     */
    static Path unpack(JarFile jar, Path target) throws IOException {
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
            JarEntry entry = entries.nextElement();
            if (entry.isDirectory() || !entry.getName().startsWith(RESOURCES)) {
                continue;
            }
            Path file = target.resolve(entry.getName().substring(RESOURCES.length())).normalize();
            if (!file.startsWith(target)) {
                throw new IOException("entry " + entry.getName() + " points outside " + target);
            }
            if (Files.isRegularFile(file) && Files.size(file) == entry.getSize()) {
                continue;
            }
            Files.createDirectories(file.getParent());
            Path partial = file.resolveSibling(file.getFileName() + ".partial");
            try (InputStream in = jar.getInputStream(entry)) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return target;
    }
}
