package dev.jrwkv.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * The {@code jrwkv} command: dispatches to one class per sub-command.
 *
 * <pre>{@code
 * int exit = Main.commandLine(StdStreams.system()).execute("info", "model.bin", "--json");
 * }</pre>
 */
@Command(name = "jrwkv", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A pure-Java engine for RWKV language models.",
        footer = {"", "Exit codes: 0 success, 2 bad input (flags, files), 1 internal error."})
public final class Main implements Callable<Integer> {

    /** Exit code of a user error: a bad flag, a missing or unreadable file. */
    public static final int USER_ERROR = 2;
    /** Exit code of a bug: anything that is not a {@link dev.jrwkv.JrwkvException}. */
    public static final int INTERNAL_ERROR = 1;

    @Spec
    CommandSpec spec;

    // Read by ErrorReporter from the parse result; declared here so every sub-command accepts it.
    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(commandLine(StdStreams.system()).execute(args));
    }

    /** The whole command tree, writing to {@code io}, with jrwkv's error handling (one line, exit 2). */
    public static CommandLine commandLine(StdStreams io) {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand("info", new InfoCommand(io));
        cl.addSubcommand("logits", new LogitsCommand(io));
        cl.addSubcommand("generate", new GenerateCommand(io));
        cl.addSubcommand("chat", new ChatCommand(io));
        cl.addSubcommand("tokenize", new TokenizeCommand(io));
        cl.addSubcommand("pull", new PullCommand(io));
        cl.addSubcommand("list", new ListCommand(io));
        cl.addSubcommand("serve", new dev.jrwkv.server.ServeCommand());
        cl.addSubcommand("bench", new BenchCommand(io));
        cl.addSubcommand("init", new InitCommand(io));
        cl.addSubcommand("convert", new ConvertCommand(io));
        cl.addSubcommand("quantize", new QuantizeCommand(io));
        cl.addSubcommand("perplexity", new PerplexityCommand(io));
        cl.addSubcommand("train", new TrainCommand(io));
        cl.setOut(io.out());
        cl.setErr(io.err());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExpandAtFiles(false);   // "@name" is text to tokenize or generate from, not a file of arguments
        ErrorReporter reporter = new ErrorReporter(io.err());
        cl.setParameterExceptionHandler(reporter);
        cl.setExecutionExceptionHandler(reporter);
        return cl;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "no command given (commands: info, logits, generate, chat, tokenize, pull, list, serve, bench, init, convert, quantize, perplexity, train; see jrwkv --help)");
    }
}
