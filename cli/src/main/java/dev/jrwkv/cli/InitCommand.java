package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.model.ModelConverter;
import dev.jrwkv.model.ModelConverter.Target;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.train.Checkpoints;
import dev.jrwkv.train.Initializer;
import dev.jrwkv.train.ModelShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv init --version 7 --layers L --embd C OUT}: an RWKV-7 with the official initialisation
 * (random, deterministic from {@code --seed}) at official shapes and LoRA ranks, in any format
 * {@code convert} writes. For benchmarks (speed does not depend on the weight values) and as the
 * start of training.
 */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Write an RWKV-7 model with the official random initialisation (for benchmarks and training).")
final class InitCommand implements Callable<Integer> {
    private final StdStreams io;

    @Option(names = "--version", defaultValue = "7", description = "Architecture version (only 7; default: ${DEFAULT-VALUE}).")
    String version;

    @Option(names = "--layers", required = true, description = "Number of blocks (e.g. 12 for the 0.1B shape).")
    int layers;

    @Option(names = "--embd", required = true, description = "Model width (e.g. 768 for 0.1B, 1024 for 0.4B, 2048 for 1.5B).")
    int embd;

    @Option(names = "--vocab", defaultValue = "65536", description = "Vocabulary size (default: ${DEFAULT-VALUE}, the World vocabulary).")
    int vocab;

    @Option(names = "--head-size", defaultValue = "64", description = "Head size (default: ${DEFAULT-VALUE}).")
    int headSize;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|f16|bf16", description = "Type of the weights (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--format", paramLabel = "FORMAT", description = "safetensors, pth, gguf, bin, hf or st (default: from OUT's extension).")
    String format;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Parameters(index = "0", paramLabel = "OUT", description = "Output file.")
    Path out;

    InitCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() throws IOException {
        if (!version.equals("7")) throw new JrwkvException("--version: only RWKV-7 models can be initialised, not " + version);
        if (layers < 1 || embd < 1 || vocab < 1) throw new JrwkvException("--layers, --embd and --vocab must be positive");
        if (headSize < 1 || embd % headSize != 0) throw new JrwkvException("--embd " + embd + " is not a multiple of --head-size " + headSize);
        DType type = ConvertCommand.floatType(dtype);
        Target target = Target.choose(out, format);
        OutputFile.check(out);
        ModelShape shape = ModelShape.of(vocab, layers, embd, headSize);
        dev.jrwkv.train.Parameters params = Initializer.official(shape, seed);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("jrwkv.init.seed", Long.toString(seed));
        if (target == Target.SAFETENSORS && type != DType.F16) {
            Checkpoints.writeSafetensors(out, params, type, meta);
        } else {
            // through an F32 checkpoint beside the output, then the converter (every other format and type)
            Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".init-", ".safetensors");
            try {
                Checkpoints.writeSafetensors(tmp, params, DType.F32, meta);
                ProgressBar bar = ProgressBar.on(io.err(), "writing");
                ModelConverter.convert(tmp, out, target, type, new LinkedHashMap<>(), bar::update);
                bar.done("");
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        io.out().println("wrote " + out + " (" + shape + ", " + type + ", seed " + seed + ")");
        return 0;
    }
}
