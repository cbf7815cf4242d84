package ai.kaizen.server.lifecycle;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the trainer as a child JVM from this process's own classpath (the same jar), with this process's heap
 * limit and system properties given on its command line. The configuration reaches it through the environment,
 * so that no password shows in a process list. Its output is appended to {@code home/cycles/<id>/trainer.log}.
 */
public final class LocalTrainerLauncher implements TrainerLauncher {

    private final Path home;
    private final Map<String, String> environment;
    private final double heartbeatSeconds;

    /**
     * @param environment variables for the child on top of this process's (e.g. {@code KAIZEN_HOME},
     *                    {@code KAIZEN_DATABASE_URL})
     */
    public LocalTrainerLauncher(Path home, Map<String, String> environment, double heartbeatSeconds) {
        this.home = home;
        this.environment = Map.copyOf(environment);
        this.heartbeatSeconds = heartbeatSeconds;
    }

    @Override
    public Job launch(long cycleId) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("-Xmx") || argument.startsWith("-Dai.djl") || argument.startsWith("-DDJL")) {
                command.add(argument);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "ai.kaizen.server.Main",
                "train", "cycle", "--cycle-id", Long.toString(cycleId),
                "--heartbeat-seconds", Double.toString(heartbeatSeconds)));
        Path dir = Files.createDirectories(home.resolve("cycles").resolve(Long.toString(cycleId)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("trainer.log").toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        return new Job() {
            @Override
            public CompletableFuture<String> ended() {
                return process.onExit().thenApply(p -> "the trainer exited with status " + p.exitValue());
            }

            @Override
            public java.util.OptionalLong pid() {
                return java.util.OptionalLong.of(process.pid());
            }

            @Override
            public void stop() {
                process.destroy();
                process.onExit().completeOnTimeout(null, 10, TimeUnit.SECONDS)
                        .thenRun(() -> process.destroyForcibly());
            }
        };
    }
}
