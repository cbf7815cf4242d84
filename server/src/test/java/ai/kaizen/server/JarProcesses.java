package ai.kaizen.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged kaizen.jar run as real processes, as a person or a container would run it, by the integration
 * tests; {@link #close} kills whatever is still running.
 */
public final class JarProcesses implements AutoCloseable {

    public static final Path JAR = Path.of(System.getProperty("kaizen.jar", "target/kaizen.jar"));
    private static final Pattern LISTENING = Pattern.compile("Kaizen listening on http://[^:]+:(\\d+)");

    private final List<Process> processes = new ArrayList<>();

    /** A started kaizen process and the lines it wrote so far (standard output and error together). */
    public record Run(Process process, List<String> lines) {
        public String output() {
            return String.join("\n", lines);
        }

        /** Waits (two minutes at most) for a {@code serve} process to listen; its HTTP port. */
        public int awaitListening() throws InterruptedException {
            return awaitListening(Duration.ofMinutes(2));
        }

        /** Waits for a {@code serve} process to listen; its HTTP port. */
        public int awaitListening(Duration within) throws InterruptedException {
            long deadline = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < deadline) {
                for (String line : lines) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        return Integer.parseInt(m.group(1));
                    }
                }
                assertThat(process.isAlive()).as("server alive; output so far:\n" + output()).isTrue();
                Thread.sleep(100);
            }
            throw new AssertionError("server did not start; output:\n" + output());
        }
    }

    /**
     * Starts {@code java -jar kaizen.jar args} in {@code home}, with {@code KAIZEN_HOME} set to it, no other
     * {@code KAIZEN_*} variable of this JVM, and {@code env} added.
     */
    public Run start(Path home, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("KAIZEN_"));
        builder.environment().put("KAIZEN_HOME", home.toString());
        builder.environment().putAll(env);
        builder.directory(Files.createDirectories(home).toFile());
        Process process = builder.start();
        processes.add(process);
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return new Run(process, lines);
    }

    /** As {@link #start}, and waits (at most a minute) for the process to end. */
    public Run runToEnd(Path home, Map<String, String> env, String... args) throws Exception {
        Run run = start(home, env, args);
        assertThat(run.process().waitFor(60, TimeUnit.SECONDS)).as("finished in time").isTrue();
        Thread.sleep(100); // let the reader catch the last lines
        return run;
    }

    /** Kills every process started here, and what it started (a server's trainers), that still runs. */
    @Override
    public void close() {
        for (Process process : processes) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
