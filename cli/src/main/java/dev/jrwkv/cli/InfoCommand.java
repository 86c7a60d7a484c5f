package dev.jrwkv.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.model.OfficialTensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code jrwkv info MODEL [--json]}: format, architecture and sizes of a model file, read from its
 * tensor headers only (nothing is computed, the weights are not read).
 */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Describe a model file: format, version, sizes.")
final class InfoCommand implements Callable<Integer> {
    private final StdStreams io;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model file (.pth, .safetensors, .gguf, rwkv.cpp .bin, Hugging Face folder, web-rwkv .st).")
    Path model;

    @Option(names = "--json", description = "Print one JSON object (fields documented in the README).")
    boolean json;

    InfoCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() throws JsonProcessingException {
        InfoReport r;
        // under official names, as the models read it: GGUF, Hugging Face and web-rwkv files name tensors their own way
        try (TensorStore store = OfficialTensors.open(model, false)) {
            r = InfoReport.of(store, ModelConfig.detect(store));
        }
        PrintWriter out = io.out();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
        } else {
            row(out, "file", r.file() + " (" + String.format("%,d", r.fileBytes()) + " bytes)");
            row(out, "format", r.format() + (r.formatVersion() == null ? "" : " (file version " + r.formatVersion() + ")")
                    + ", layout " + r.layout());
            row(out, "version", "RWKV-" + r.version());
            row(out, "layers", Integer.toString(r.layers()));
            row(out, "width", Integer.toString(r.width()));
            row(out, "heads", "4".equals(r.version()) ? "- (RWKV-4 has no heads)" : r.heads() + " x " + r.headSize());
            row(out, "vocab", Integer.toString(r.vocab()));
            row(out, "ffn width", Integer.toString(r.ffnWidth()));
            row(out, "lora ranks", r.loraRanks().isEmpty() ? "-" : join(r.loraRanks()));
            row(out, "tensors", Integer.toString(r.tensorCount()));
            row(out, "parameters", String.format("%,d", r.parameterCount()));
            row(out, "bytes", r.bytesByDtype().entrySet().stream()
                    .map(e -> e.getKey() + " " + String.format("%,d", e.getValue())).collect(Collectors.joining(", ")));
            row(out, "state", String.format("%,d floats", r.stateFloats()));
        }
        out.flush();
        return 0;
    }

    private static void row(PrintWriter out, String key, String value) {
        out.printf("%-11s %s%n", key, value);
    }

    private static String join(Map<String, ?> map) {
        return map.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
