package ai.kaizen.server.cli;

import ai.kaizen.db.account.ApiKeyRepository;
import ai.kaizen.db.account.Role;
import ai.kaizen.db.account.User;
import ai.kaizen.db.account.UserRepository;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.config.ConfigOptions;
import ai.kaizen.server.config.KaizenConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code kaizen admin ...}: accounts and API keys, from the command line. */
@Command(name = "admin",
        mixinStandardHelpOptions = true,
        description = "Manages reviewer and operator accounts and API keys.",
        subcommands = {AdminCommand.CreateUser.class, AdminCommand.CreateApiKey.class})
public final class AdminCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static Accounts accounts(CommandDatabase db) {
        return new Accounts(new UserRepository(db.database().sessions()),
                new ApiKeyRepository(db.database().sessions()), Runnable::run);
    }


    @Command(name = "create-user",
            mixinStandardHelpOptions = true,
            description = {"Creates a reviewer or operator account.",
                    "The password is read from standard input (one line), or asked for twice on a terminal."})
    static final class CreateUser implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Sign-in name.")
        String name;

        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "reviewer or operator.")
        String role;

        @Override
        public Integer call() throws Exception {
            Role parsed = Role.ofAccount(role).orElseThrow(() -> new ParameterException(spec.commandLine(),
                    "--role must be reviewer or operator, not '" + role + "'"));
            String password = readPassword(spec);
            KaizenConfig config = ConfigOptions.read(spec, System.getenv());
            try (CommandDatabase db = CommandDatabase.open(config)) {
                User user = CommandDatabase.await(accounts(db).createUser(name, parsed, password), 1);
                spec.commandLine().getOut().println("created " + user.role().label() + " '" + user.name() + "'");
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            return 0;
        }
    }

    @Command(name = "create-api-key",
            mixinStandardHelpOptions = true,
            description = {"Creates a key for the OpenAI-compatible API and prints it on one line.",
                    "The key is shown only this once; Kaizen keeps only its hash."})
    static final class CreateApiKey implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "What the key is for.")
        String name;

        @Override
        public Integer call() throws Exception {
            KaizenConfig config = ConfigOptions.read(spec, System.getenv());
            try (CommandDatabase db = CommandDatabase.open(config)) {
                Accounts.NewApiKey key = CommandDatabase.await(accounts(db).createApiKey(name), 1);
                spec.commandLine().getOut().println(key.key());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            return 0;
        }
    }

    /** One line from standard input, or, on a terminal, the same password typed twice without echo. */
    static String readPassword(CommandSpec spec) throws IOException {
        Console console = System.console();
        if (console != null) {
            char[] first = console.readPassword("Password: ");
            char[] second = console.readPassword("Again: ");
            if (first == null || second == null || !Arrays.equals(first, second)) {
                throw new ParameterException(spec.commandLine(), "the passwords differ");
            }
            return new String(first);
        }
        String input = readAll(System.in);
        int newline = input.indexOf('\n');
        String line = newline < 0 ? input : input.substring(0, newline);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (line.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "no password on standard input");
        }
        return line;
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
