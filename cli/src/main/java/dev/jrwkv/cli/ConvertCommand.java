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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SequencedMap;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv convert IN OUT [--dtype f32|f16|bf16] [--format ...]}: any model file jrwkv reads to
 * official safetensors, {@code .pth}, GGUF (RWKV-7), rwkv.cpp {@code .bin}, a Hugging Face folder or
 * web-rwkv {@code .st}; the format comes from OUT's extension unless {@code --format} names it.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a model to another format (.safetensors, .pth, .gguf, .bin, .st, or a Hugging Face folder with --format hf).")
final class ConvertCommand implements Callable<Integer> {
    private final StdStreams io;

    @Parameters(index = "0", paramLabel = "IN", description = "Model file (.pth, .safetensors, .st, .gguf, .bin, or a Hugging Face folder).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output file (replaced atomically), or folder for --format hf.")
    Path out;

    @Option(names = "--dtype", paramLabel = "f32|f16|bf16", description = "Type of the weights (default: the input's float type).")
    String dtype;

    @Option(names = "--format", paramLabel = "FORMAT", description = "safetensors, pth, gguf, bin, hf or st (default: from OUT's extension).")
    String format;

    @Option(names = "--tokenizer", paramLabel = "NAME|FILE",
            description = "World vocabulary to embed in a GGUF (default: found beside IN or in the cache, for 65536-token models).")
    String tokenizer;

    ConvertCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        Target target = Target.choose(out, format);
        DType type = dtype == null ? null : floatType(dtype);
        if (target == Target.HF) {
            if (Files.exists(out) && !Files.isDirectory(out)) throw new JrwkvException("cannot write " + out + ": --format hf writes a folder, and this is a file");
            if (out.toAbsolutePath().getParent() != null) OutputFile.check(out.toAbsolutePath().getParent().resolve("config.json"));
        } else {
            OutputFile.check(out);
        }
        ModelConfig config = ModelProbe.config(in);
        SequencedMap<String, GgufValue> meta = target == Target.GGUF ? GgufTokenizer.metadata(config, in, tokenizer, io) : new java.util.LinkedHashMap<>();
        ProgressBar bar = ProgressBar.on(io.err(), "converting");
        ModelConverter.convert(in, out, target, type, meta, bar::update);
        bar.done("wrote " + out + " (" + target.formatName() + ", " + config.summary() + ")");
        return 0;
    }

    static DType floatType(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "fp32", "float32" -> DType.F32;
            case "f16", "fp16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new JrwkvException("unknown --dtype '" + name + "' (supported: f32, f16, bf16)");
        };
    }
}
