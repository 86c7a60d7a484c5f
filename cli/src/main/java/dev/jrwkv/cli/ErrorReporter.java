package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.util.Arrays;

/**
 * Turns every failure into one line {@code jrwkv: <message>} on stderr: bad flags and
 * {@link JrwkvException}s exit with {@link Main#USER_ERROR}, anything else (a bug) with
 * {@link Main#INTERNAL_ERROR}. {@code --verbose} adds the stack trace.
 */
final class ErrorReporter implements IParameterExceptionHandler, IExecutionExceptionHandler {
    private final PrintWriter err;

    ErrorReporter(PrintWriter err) {
        this.err = err;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        // parsing failed, so there is no parse result to ask: look at the raw arguments
        boolean verbose = Arrays.asList(args).contains("--verbose");
        String hint = ex.getCommandLine() == null ? "jrwkv" : ex.getCommandLine().getCommandSpec().qualifiedName();
        String message = strip(ex.getMessage());
        err.println("jrwkv: " + message + (message.contains("--help") ? "" : " (see " + hint + " --help)"));
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return Main.USER_ERROR;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        if (ex instanceof ParameterException pe) return handleParseException(pe, parseResult.originalArgs().toArray(String[]::new));
        boolean user = ex instanceof JrwkvException;
        String message = ex.getMessage() == null || ex.getMessage().isBlank() ? ex.getClass().getName() : ex.getMessage();
        boolean verbose = verbose(parseResult);
        err.println("jrwkv: " + (user ? "" : "internal error: " + ex.getClass().getName() + ": ") + oneLine(message)
                + (user || verbose ? "" : " (run with --verbose for the stack trace)"));
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return user ? Main.USER_ERROR : Main.INTERNAL_ERROR;
    }

    private static boolean verbose(ParseResult result) {
        for (ParseResult r = result; r != null; r = r.subcommand()) {
            if (r.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    /** picocli prefixes some messages with "Error: "; we print our own prefix. */
    private static String strip(String message) {
        String m = message == null ? "invalid arguments" : message;
        return oneLine(m.startsWith("Error: ") ? m.substring(7) : m);
    }

    private static String oneLine(String message) {
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
