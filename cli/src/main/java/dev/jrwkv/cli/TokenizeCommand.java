package dev.jrwkv.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.Tokenizers;
import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.TokenizerException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv tokenize [--tokenizer world|neox|byte|FILE] (TEXT | --file F) [--json] [--verbose]}:
 * the token ids of a text, or of a file's bytes exactly as they are. A stable interface (see the
 * README): one line of space-separated ids; {@code --json} a JSON array; {@code --verbose} one
 * line per token, {@code id<TAB>bytes in hex<TAB>text as a JSON string} (the text is {@code null}
 * when the token's bytes are not complete UTF-8).
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Print the token ids of TEXT, or of the bytes of a file exactly as they are.",
                "World and byte tokenizers encode any bytes; NeoX needs valid UTF-8.",
                "--verbose prints one token per line: id, bytes (hex), text (a JSON string, or null when not whole UTF-8)."})
final class TokenizeCommand implements Callable<Integer> {
    private final StdStreams io;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TEXT", description = "The text (encoded as UTF-8); put -- before a text that starts with '-'.")
    String text;

    @Option(names = "--file", paramLabel = "F", description = "Encode the bytes of this file, unchanged.")
    Path file;

    @Option(names = "--tokenizer", paramLabel = "world|neox|byte|FILE", defaultValue = "world",
            description = "Tokenizer (default: ${DEFAULT-VALUE}); FILE is a World vocabulary or a tokenizer.json.")
    String tokenizer;

    @Option(names = "--json", description = "Print a JSON array (of objects with --verbose).")
    boolean json;

    // --verbose is jrwkv's global flag (stack traces of errors); here it also lists the pieces
    @Spec
    CommandSpec spec;

    TokenizeCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() throws JsonProcessingException {
        if ((text == null) == (file == null)) throw new JrwkvException("give either TEXT or --file F (exactly one)");
        byte[] bytes = file != null ? read(file) : text.getBytes(StandardCharsets.UTF_8);
        Tokenizer t = Tokenizers.named(tokenizer);
        int[] ids;
        try {
            ids = t.encodeBytes(bytes);
        } catch (TokenizerException e) {
            String what = file != null ? file.toString() : "the text";
            throw new JrwkvException(what + " cannot be encoded by " + t.name() + ": " + e.getMessage()
                    + (file != null ? " (the world tokenizer encodes any bytes)" : ""), e);
        }
        boolean verbose = spec.commandLine().getParseResult().hasMatchedOption("--verbose");
        PrintWriter out = io.out();
        if (json) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            for (int id : ids) {
                if (!verbose) {
                    array.add(id);
                    continue;
                }
                byte[] b = t.tokenBytes(id);
                ObjectNode o = array.addObject();
                o.put("id", id);
                o.put("bytes_hex", HexFormat.of().formatHex(b));
                String text = utf8(b);
                if (text == null) o.putNull("text");
                else o.put("text", text);
            }
            out.println(new ObjectMapper().writeValueAsString(array));
        } else if (verbose) {
            ObjectMapper mapper = new ObjectMapper();
            for (int id : ids) {
                byte[] b = t.tokenBytes(id);
                String text = utf8(b);
                out.println(id + "\t" + HexFormat.of().formatHex(b) + "\t" + (text == null ? "null" : mapper.writeValueAsString(text)));
            }
        } else {
            StringBuilder line = new StringBuilder();
            for (int id : ids) line.append(line.isEmpty() ? "" : " ").append(id);
            out.println(line);
        }
        out.flush();
        return 0;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new JrwkvException("--file: " + file + ": no such file");
        } catch (IOException | OutOfMemoryError e) {
            throw new JrwkvException("--file: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The bytes as text when they are complete, valid UTF-8; else null. */
    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
