package dev.jrwkv.cli;

import org.jline.keymap.KeyMap;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.Reference;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Chat input on a terminal, with JLine: line editing, history (kept in the cache folder across
 * sessions, Up/Down or Ctrl-R to search), and multi-line messages: a line ending with {@code \}
 * continues, and Alt-Enter inserts a line break. Ctrl-C clears the line, Ctrl-D ends the chat.
 */
final class TerminalLines implements LineSource {
    private static final String NEWLINE_WIDGET = "jrwkv-insert-newline";

    private final Terminal terminal;
    private final LineReader reader;

    TerminalLines(Path historyFile) {
        try {
            terminal = TerminalBuilder.builder().system(true).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the terminal", e);
        }
        DefaultParser parser = new DefaultParser();
        parser.setEofOnEscapedNewLine(true);   // a trailing backslash asks for another line
        LineReaderBuilder builder = LineReaderBuilder.builder().terminal(terminal).parser(parser)
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, "%P... ")
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true);   // '!' is ordinary text in a chat
        if (historyFile != null && Files.isDirectory(historyFile.toAbsolutePath().getParent())) {
            builder.variable(LineReader.HISTORY_FILE, historyFile);
        }
        reader = builder.build();
        reader.getWidgets().put(NEWLINE_WIDGET, () -> {
            reader.getBuffer().write('\n');
            return true;
        });
        reader.getKeyMaps().get(LineReader.MAIN).bind(new Reference(NEWLINE_WIDGET), KeyMap.alt('\r'));
    }

    Terminal terminal() {
        return terminal;
    }

    @Override
    public String read() {
        while (true) {
            try {
                return LineSource.joinContinued(reader.readLine("User: "));
            } catch (UserInterruptException e) {
                // Ctrl-C at the prompt: drop the line, ask again (Ctrl-D or /quit ends the chat)
            } catch (EndOfFileException e) {
                return null;
            }
        }
    }

    @Override
    public void close() {
        try {
            terminal.close();
        } catch (IOException e) {
            // nothing left to restore
        }
    }
}
