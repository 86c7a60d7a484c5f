package dev.jrwkv.fuzz;

import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.ModelFiles;
import dev.jrwkv.format.PyTorchFile;
import dev.jrwkv.format.RwkvCppFile;
import dev.jrwkv.format.SafetensorsFile;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;
import dev.jrwkv.model.StateTuning;
import dev.jrwkv.tensor.Tensor;
import dev.jrwkv.tokenizer.BpeTokenizer;
import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.WorldTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fuzz targets: each reads one file with one reader and, when the reader accepts it, uses the
 * result the way a caller would (every tensor's bytes touched, a tokenizer run, a model's state
 * built), so that a reader cannot accept a file whose parts lie outside it.
 */
final class Targets {
    private Targets() {
    }

    static Object pyTorch(Path p) {
        try (PyTorchFile f = PyTorchFile.open(p)) {
            return touch(f);
        }
    }

    static Object safetensors(Path p) {
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            return touch(f);
        }
    }

    static Object gguf(Path p) {
        try (GgufFile f = GgufFile.open(p)) {
            f.values().forEach((k, v) -> v.toString());
            return touch(f);
        }
    }

    static Object rwkvCpp(Path p) {
        try (RwkvCppFile f = RwkvCppFile.open(p)) {
            return touch(f);
        }
    }

    static Object anyModelFile(Path p) {
        try (TensorStore f = ModelFiles.open(p)) {
            return touch(f);
        }
    }

    /** Model.load end to end: detect the format and version, build the weights, then take one step. */
    static Object modelLoad(Path p) {
        try (Model m = Model.load(p)) {
            State s = m.newState();
            return s.config().summary() + m.fingerprint();
        }
    }

    static Object worldVocabulary(Path p) {
        return exercise(WorldTokenizer.load(p));
    }

    static Object tokenizerJson(Path p) {
        return exercise(BpeTokenizer.load(p));
    }

    static Object stateFile(Path p) {
        return StateFile.load(p, TinyModelHolder.model()).toArray().length;
    }

    static Object stateTuning(Path p) {
        return StateTuning.load(p, TinyModelHolder.model()).toArray().length;
    }

    private static Object exercise(Tokenizer t) {
        int[] ids = t.encodeBytes("Hello, world! \u4e2d\u6587 \ud83d\ude00".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return t.decode(ids).length() + t.vocabSize();
    }

    /** Reads the first and last byte of every tensor and dequantizes its first row (bounded). */
    private static int touch(TensorStore store) {
        int n = 0;
        for (String name : store.names()) {
            Tensor t = store.get(name);
            long bytes = t.data().byteSize();
            if (bytes > 0) {
                t.data().get(ValueLayout.JAVA_BYTE, 0);
                t.data().get(ValueLayout.JAVA_BYTE, bytes - 1);
            }
            long cols = t.cols();
            if (cols > 0 && cols <= 4096 && t.numel() > 0) t.dequantizeRow(0, new float[(int) cols]);
            n++;
        }
        store.metadata().size();
        return n;
    }

    /** The tiny model that state files are read against, built once per JVM in a temp folder. */
    static final class TinyModelHolder {
        private static final Path DIR;
        private static final Model MODEL;

        static {
            try {
                DIR = Files.createTempDirectory("jrwkv-tiny-model");
                DIR.toFile().deleteOnExit();
                MODEL = Model.load(TinyModel.write(DIR, "safetensors"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Model model() {
            return MODEL;
        }

        static Path dir() {
            return DIR;
        }
    }
}
