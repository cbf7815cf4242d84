package ai.kaizen.server;

import ai.kaizen.server.cli.AdminCommand;
import ai.kaizen.server.cli.BenchCommand;
import ai.kaizen.server.cli.DemoCommand;
import ai.kaizen.server.cli.EvalCommand;
import ai.kaizen.server.cli.ExportCommand;
import ai.kaizen.server.cli.GenerateCommand;
import ai.kaizen.server.cli.ServeCommand;
import ai.kaizen.server.cli.SimulateCommand;
import ai.kaizen.server.cli.StarterCommand;
import ai.kaizen.server.cli.TrainCommand;
import ai.kaizen.server.config.ConfigOptions;
import ai.kaizen.server.config.InvalidConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/** {@code java -jar kaizen.jar COMMAND ...}: the one entry point of Kaizen. */
@Command(name = "kaizen",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Kaizen: a customer-service chat assistant that gets better every week from its users' feedback.",
        subcommands = {ServeCommand.class, GenerateCommand.class, BenchCommand.class, TrainCommand.class,
                EvalCommand.class, StarterCommand.class, ExportCommand.class, DemoCommand.class, AdminCommand.class,
                SimulateCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit status for an unusable configuration (also picocli's for bad usage). */
    public static final int EXIT_CONFIG = 2;
    /** Exit status for a failure while running. */
    public static final int EXIT_FAILURE = 1;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        // The PyTorch natives ship inside the jar; DJL must never try to download anything.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(commandLine().execute(args));
    }

    /** The command tree with its configuration flags and error handling, ready to execute. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // Every command that reaches the database or the model reads the same configuration.
        ConfigOptions.addTo(cli.getSubcommands().get("serve").getCommandSpec());
        cli.getSubcommands().get("admin").getSubcommands().values()
                .forEach(sub -> ConfigOptions.addTo(sub.getCommandSpec()));
        ConfigOptions.addTo(cli.getSubcommands().get("export").getSubcommands().get("dataset").getCommandSpec());
        ConfigOptions.addTo(cli.getSubcommands().get("train").getSubcommands().get("cycle").getCommandSpec());
        cli.setExecutionExceptionHandler(Main::handleFailure);
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** One line on standard error, never a stack trace: the log has the details when there are any. */
    private static int handleFailure(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof InvalidConfigException) {
            err.println("kaizen: " + e.getMessage());
            err.flush();
            return EXIT_CONFIG;
        }
        err.println("kaizen " + cli.getCommandName() + ": " + describe(e));
        err.flush();
        return EXIT_FAILURE;
    }

    /** The innermost cause's message, which is usually the one that says what went wrong. */
    static String describe(Throwable e) {
        Throwable t = e;
        String message = String.valueOf(t.getMessage());
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message.replaceAll("[\\r\\n]+", " ");
    }

    static final class VersionProvider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"kaizen " + Version.current()};
        }
    }
}
