package dev.jrwkv.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Runs jrwkv in-process with captured streams, as a user would from a shell. */
final class Cli {
    private Cli() {
    }

    /** What one run printed and returned. */
    record Result(int exit, byte[] stdout, String err) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    static Result run(Object... args) {
        return runWithInput("", args);
    }

    /** As {@link #run}, with {@code stdin} (UTF-8) as the standard input, which is not a terminal. */
    static Result runWithInput(String stdin, Object... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] argv = new String[args.length];
        for (int i = 0; i < args.length; i++) argv[i] = String.valueOf(args[i]);
        var in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        int exit = Main.commandLine(StdStreams.of(in, out, err)).execute(argv);
        return new Result(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }
}
