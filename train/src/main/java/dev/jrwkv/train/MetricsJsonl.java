package dev.jrwkv.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends one JSON object per step to a {@code metrics.jsonl} file:
 * {@code {"step":1,"train_loss":5.2,"val_loss":null,"lr":0.001,"grad_norm":1.3,"tokens_per_s":2100.0}}
 * ({@code val_loss} is null on steps that did not validate). Flushed after every line.
 *
 * <pre>{@code
 * try (MetricsJsonl log = new MetricsJsonl(Path.of("run/metrics.jsonl"))) { trainer.train(log); }
 * }</pre>
 */
public final class MetricsJsonl implements TrainListener, AutoCloseable {
    private final ObjectMapper json = new ObjectMapper();
    private final BufferedWriter out;

    public MetricsJsonl(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Override
    public void onStep(StepMetrics m) {
        ObjectNode o = json.createObjectNode();
        o.put("step", m.step());
        o.put("train_loss", m.trainLoss());
        if (Double.isNaN(m.valLoss())) o.putNull("val_loss");
        else o.put("val_loss", m.valLoss());
        o.put("lr", m.lr());
        o.put("grad_norm", m.gradNorm());
        o.put("tokens_per_s", m.tokensPerSecond());
        try {
            out.write(json.writeValueAsString(o));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
