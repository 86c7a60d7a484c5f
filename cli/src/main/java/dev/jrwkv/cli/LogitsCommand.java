package dev.jrwkv.cli;

import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv logits MODEL --tokens 34,105,110 --out x.f32}: feeds the tokens from a fresh state
 * and writes the logits as float32 little endian: the last position ({@code vocab} floats), or with
 * {@code --all} every position, position-major ({@code tokens x vocab} floats).
 */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Write the logits after the input tokens to a file (float32, little endian).")
final class LogitsCommand implements Callable<Integer> {

    /** How tokens are fed: one {@code step} each, or one sequence call. */
    enum Mode { RNN, SEQ }

    private final StdStreams io;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model file (rwkv.cpp .bin).")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    TokenInput input;

    @Option(names = "--all", description = "Write the logits of every position (position-major), not only the last.")
    boolean all;

    @Option(names = "--mode", paramLabel = "rnn|seq", defaultValue = "rnn",
            description = "rnn: one step per token; seq: one call for the whole sequence (default: ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Output file, replaced atomically.")
    Path out;

    LogitsCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        // check the inputs and the output folder before the weights are loaded
        int[] tokens = input.resolve(ModelProbe.config(model));
        OutputFile.check(out);
        try (Model m = Model.load(model)) {
            int vocab = m.config().vocab();
            State state = m.newState();
            OutputFile.write(out, o -> {
                if (mode == Mode.SEQ) {
                    writeFloats(o, all ? m.forwardAll(tokens, state) : m.forward(tokens, state));
                } else {
                    for (int i = 0; i < tokens.length; i++) {
                        float[] logits = m.step(tokens[i], state);
                        if (all || i == tokens.length - 1) writeFloats(o, logits);
                    }
                }
            });
            int rows = all ? tokens.length : 1;
            io.out().println(out + ": " + rows + " x " + vocab + " float32 (" + mode.name().toLowerCase() + " mode, "
                    + tokens.length + " tokens)");
        }
        return 0;
    }

    private static void writeFloats(OutputStream o, float[] values) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 14).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (!buf.hasRemaining()) {
                o.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putFloat(v);
        }
        o.write(buf.array(), 0, buf.position());
    }
}
