package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.Cancellation;
import dev.jrwkv.generate.FinishReason;
import dev.jrwkv.generate.GenerationResult;
import dev.jrwkv.generate.SamplingParams;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;
import dev.jrwkv.tokenizer.Tokenizer;
import org.jline.terminal.Terminal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv chat MODEL}: a conversation in the RWKV chat format, the whole history in one state.
 * On a terminal: line editing and history (JLine); from a pipe: one message per line, each answer
 * printed on stdout followed by a line break. Commands: {@code /save FILE}, {@code /load FILE},
 * {@code /reset}, {@code /params [key=value ...]}, {@code /quit}; their messages go to stderr.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Chat with a model (RWKV format: User: ... / Assistant: ...); the conversation lives in the state.",
                "Commands: /save FILE, /load FILE, /reset, /params [key=value ...], /quit.",
                "A line ending with \\ continues on the next line; on a terminal Alt-Enter also inserts a line break.",
                "Defaults are the official chat's: temperature 1.0, top-p 0.3, presence and frequency penalties 0.5 decaying by 0.996."})
final class ChatCommand implements Callable<Integer> {
    private static final String COMMANDS = "/save FILE, /load FILE, /reset, /params [key=value ...], /quit";

    private final StdStreams io;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL",
            description = "Model file, or a name from `jrwkv list` that was pulled; when left out, the bundled Shakespeare model.")
    String model;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    TokenizerOption tokenizer;

    @Option(names = "--state", paramLabel = "FILE", description = "Start from a saved state (also what /reset returns to).")
    Path stateFile;

    @Mixin
    CacheOption cache;

    ChatCommand(StdStreams io) {
        this.io = io;
    }

    /** The official chat demo's sampling (ChatRWKV): answers of up to 500 tokens. */
    static SamplingParams defaults() {
        return SamplingParams.defaults().withMaxTokens(500).withTopP(0.3f).withPenalties(0.5f, 0.5f).withPenaltyDecay(0.996f);
    }

    @Override
    public Integer call() {
        SamplingParams params = sampling.apply(defaults());
        Path file = model == null ? BundledModel.path() : ModelArgument.resolve(model, cache.dir());
        ModelConfig config = ModelProbe.config(file);
        Tokenizer tok = tokenizer.resolve(config, file);
        boolean failed = false;
        try (Model m = Model.load(file);
             LineSource lines = io.terminal() ? new TerminalLines(cache.dir().resolve("chat_history")) : LineSource.piped(io.stdin())) {
            State start = stateFile == null ? m.newState() : StateArgument.load(stateFile, m);
            Conversation chat = new Conversation(m, tok, start);
            PrintWriter err = io.err();
            if (io.terminal()) err.println("chat with " + file.getFileName() + " (" + config.summary() + "); " + COMMANDS);
            for (String line; (line = lines.read()) != null; ) {
                String message = line.strip();
                if (message.isEmpty()) continue;
                if (message.startsWith("/")) {
                    if (message.equals("/quit") || message.equals("/exit")) break;
                    try {
                        params = command(message, chat, start, params);
                    } catch (JrwkvException e) {
                        err.println("jrwkv: " + e.getMessage());
                        failed = true;
                    }
                    err.flush();
                    continue;
                }
                answer(chat, message, params, lines);
            }
        }
        // from a pipe, a command that failed is the script's error: say so in the exit code
        return failed && !io.terminal() ? Main.USER_ERROR : 0;
    }

    private void answer(Conversation chat, String message, SamplingParams params, LineSource lines) {
        Cancellation cancel = new Cancellation();
        TextOut out = new TextOut(io.stdout(), cancel);
        if (io.terminal()) out.write("Assistant: ");
        boolean[] leading = {true};   // the answer follows "Assistant:" with a space: do not print it
        GenerationResult r;
        try (Restore ignored = onInterrupt(lines, cancel)) {
            r = chat.say(message, params, t -> {
                String text = t.text();
                if (leading[0]) {
                    text = text.stripLeading();
                    leading[0] = text.isEmpty();
                }
                out.write(text);
            }, cancel);
        }
        out.write(io.terminal() ? "\n\n" : "\n");
        if (r.finishReason() == FinishReason.CANCELLED && io.terminal()) io.err().println("(cancelled)");
    }

    /** Ctrl-C while the model answers: on a terminal it ends the answer (not the chat); from a pipe, as generate. */
    private static Restore onInterrupt(LineSource lines, Cancellation cancel) {
        if (lines instanceof TerminalLines t) {
            Terminal terminal = t.terminal();
            Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> cancel.cancel());
            return () -> terminal.handle(Terminal.Signal.INT, previous);
        }
        return GenerateCommand.Interrupt.cancels(cancel)::close;
    }

    /** Undoes a temporary setting; closing cannot fail. */
    private interface Restore extends AutoCloseable {
        @Override
        void close();
    }

    /** Runs one slash command; returns the (possibly changed) sampling parameters. */
    private SamplingParams command(String line, Conversation chat, State start, SamplingParams params) {
        String[] parts = line.split("\\s+", 2);
        String arg = parts.length > 1 ? parts[1].strip() : "";
        PrintWriter err = io.err();
        switch (parts[0]) {
            case "/save" -> {
                Path f = Path.of(requireArg(arg, "/save FILE"));
                OutputFile.check(f);
                StateFile.save(chat.state(), f, chat.model());
                err.println("saved the conversation to " + f);
            }
            case "/load" -> {
                Path f = Path.of(requireArg(arg, "/load FILE"));
                chat.restart(StateFile.load(f, chat.model()));
                err.println("loaded the conversation from " + f);
            }
            case "/reset" -> {
                chat.restart(start);
                err.println("conversation reset");
            }
            case "/params" -> {
                SamplingParams p = arg.isEmpty() ? params : ChatParams.set(params, arg);
                err.println(ChatParams.show(p));
                return p;
            }
            default -> throw new JrwkvException("unknown command " + parts[0] + " (commands: " + COMMANDS + ")");
        }
        return params;
    }

    private static String requireArg(String arg, String usage) {
        if (arg.isEmpty()) throw new JrwkvException("usage: " + usage);
        return arg;
    }
}
