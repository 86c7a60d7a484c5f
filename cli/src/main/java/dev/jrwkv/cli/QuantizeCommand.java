package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.GgufValue;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.model.ModelConverter;
import dev.jrwkv.model.ModelConverter.Target;
import dev.jrwkv.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.SequencedMap;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv quantize IN OUT --type q8_0|q5_1|q5_0|q4_1|q4_0 [--quantize-head]}: the large matrices
 * of the blocks quantized, the embedding, head and small tensors kept float, as rwkv.cpp does; written
 * as GGUF ({@code .gguf}) or rwkv.cpp ({@code .bin}).
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a model's large matrices into a GGUF (.gguf) or rwkv.cpp (.bin) file.")
final class QuantizeCommand implements Callable<Integer> {
    private final StdStreams io;

    @Parameters(index = "0", paramLabel = "IN", description = "Model file in any format jrwkv reads.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output file, .gguf or .bin (replaced atomically).")
    Path out;

    @Option(names = "--type", required = true, paramLabel = "q8_0|q5_1|q5_0|q4_1|q4_0", description = "Quantization of the matrices.")
    String type;

    @Option(names = "--quantize-head", description = "Quantize the head (output) matrix too (rwkv.cpp keeps it float).")
    boolean quantizeHead;

    @Option(names = "--format", paramLabel = "gguf|bin", description = "Output format (default: from OUT's extension).")
    String format;

    @Option(names = "--tokenizer", paramLabel = "NAME|FILE", description = "World vocabulary to embed in a GGUF.")
    String tokenizer;

    QuantizeCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        DType q = quantType(type);
        Target target = Target.choose(out, format);
        if (target != Target.GGUF && target != Target.RWKV_CPP) {
            throw new JrwkvException("quantize writes GGUF (.gguf) or rwkv.cpp (.bin) files, not " + target.formatName());
        }
        OutputFile.check(out);
        ModelConfig config = ModelProbe.config(in);
        SequencedMap<String, GgufValue> meta = target == Target.GGUF ? GgufTokenizer.metadata(config, in, tokenizer, io) : new java.util.LinkedHashMap<>();
        ProgressBar bar = ProgressBar.on(io.err(), "quantizing");
        ModelConverter.quantize(in, out, target, q, quantizeHead, meta, bar::update);
        bar.done("wrote " + out + " (" + q + ", " + target.formatName() + ")");
        return 0;
    }

    static DType quantType(String name) {
        for (DType t : ModelConverter.QUANT_TYPES) if (t.name().equalsIgnoreCase(name)) return t;
        throw new JrwkvException("unknown --type '" + name + "' (supported: q8_0, q5_1, q5_0, q4_1, q4_0)");
    }
}
