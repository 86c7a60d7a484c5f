package dev.jrwkv.cli;

import dev.jrwkv.model.Model;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.model.State;
import dev.jrwkv.tensor.Backend;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The linear-cost measurement: decode time per token and memory at growing context lengths, for the
 * RWKV model (which really reads every context token; its state keeps one size) and for a
 * {@link ReferenceTransformer} of the same shape with a KV cache.
 */
final class ContextSweep {
    /** One measured context length. */
    record Point(int context, double rwkvMsPerToken, long rwkvStateBytes, double transformerMsPerToken, long transformerCacheBytes) {
    }

    private static final int PREFILL_CHUNK = 512;

    static List<Point> run(Model model, Backend backend, int[] contexts, int steps, PrintWriter progress) {
        ModelConfig c = model.config();
        ReferenceTransformer tf = new ReferenceTransformer(c.layers(), c.embd(), c.vocab(), backend, 7);
        SplittableRandom random = new SplittableRandom(11);
        List<Point> points = new ArrayList<>();
        // warm up both decode paths first, so that no measurement includes JIT compilation
        State warm = model.newState();
        float[] w = model.step(1, warm);
        long until = System.nanoTime() + 3_000_000_000L;     // 3 s of steps, at least 200
        for (int i = 0; i < 200 || System.nanoTime() < until; i++) w = model.step(argmax(w), warm);
        tf.fillCache(64, 1);
        for (int i = 0; i < 200; i++) tf.step(1);
        State s = model.newState();
        int read = 0;
        for (int n : contexts) {
            while (read < n) {                       // the RWKV model really reads the context
                int len = Math.min(PREFILL_CHUNK, n - read);
                int[] chunk = new int[len];
                for (int i = 0; i < len; i++) chunk[i] = random.nextInt(c.vocab());
                model.forward(chunk, s);
                read += len;
            }
            double[] rw = new double[3], tr = new double[3];   // median of three repetitions: the machine may be shared
            for (int rep = 0; rep < 3; rep++) {
                State probe = s.copy();
                float[] logits = model.step(random.nextInt(c.vocab()), probe);
                long t = System.nanoTime();
                for (int i = 0; i < steps; i++) logits = model.step(argmax(logits), probe);
                rw[rep] = (System.nanoTime() - t) / 1e6 / steps;

                tf.fillCache(n, n);
                t = System.nanoTime();
                int tok = 1;
                for (int i = 0; i < steps; i++) tok = argmax(tf.step(tok));
                tr[rep] = (System.nanoTime() - t) / 1e6 / steps;
            }
            java.util.Arrays.sort(rw);
            java.util.Arrays.sort(tr);
            double rwkv = rw[1], trans = tr[1];
            Point p = new Point(n, rwkv, 4L * c.stateSize(), trans, tf.cacheBytes(n));
            points.add(p);
            progress.printf("context %,d: RWKV %.2f ms/token (state %,d bytes), transformer %.2f ms/token (KV cache %,d bytes), ratio %.1fx%n",
                    n, rwkv, p.rwkvStateBytes(), trans, p.transformerCacheBytes(), trans / rwkv);
            progress.flush();
        }
        return points;
    }

    static void writeCsv(List<Point> points, java.nio.file.Path file) throws IOException {
        StringBuilder sb = new StringBuilder("context,rwkv_ms_per_token,rwkv_state_bytes,transformer_ms_per_token,transformer_kv_cache_bytes\n");
        for (Point p : points) {
            sb.append(p.context()).append(',').append(p.rwkvMsPerToken()).append(',').append(p.rwkvStateBytes()).append(',')
                    .append(p.transformerMsPerToken()).append(',').append(p.transformerCacheBytes()).append('\n');
        }
        OutputFile.write(file, out -> out.write(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** A log-log plot of ms/token against context length, both models. */
    static void writePng(List<Point> points, String title, java.nio.file.Path file) {
        int w = 900, h = 560, left = 90, right = 30, top = 50, bottom = 70;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double minX = Math.log10(points.getFirst().context()), maxX = Math.log10(points.getLast().context());
        double minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (Point p : points) {
            minY = Math.min(minY, Math.log10(Math.min(p.rwkvMsPerToken(), p.transformerMsPerToken())));
            maxY = Math.max(maxY, Math.log10(Math.max(p.rwkvMsPerToken(), p.transformerMsPerToken())));
        }
        minY = Math.floor(minY);
        maxY = Math.ceil(maxY);
        if (maxX == minX) maxX = minX + 1;
        g.setColor(Color.BLACK);
        g.drawRect(left, top, w - left - right, h - top - bottom);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (double y = minY; y <= maxY; y++) {
            int py = (int) (top + (maxY - y) / (maxY - minY) * (h - top - bottom));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left, py, w - right, py);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%g ms", Math.pow(10, y)), 10, py + 4);
        }
        for (Point p : points) {
            int px = (int) (left + (Math.log10(p.context()) - minX) / (maxX - minX) * (w - left - right));
            g.drawString(p.context() >= 1024 ? (p.context() / 1024) + "k" : Integer.toString(p.context()), px - 10, h - bottom + 20);
        }
        g.drawString("context length (tokens)", w / 2 - 70, h - 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, left, 30);
        series(g, points, true, new Color(200, 40, 40), minX, maxX, minY, maxY, left, right, top, bottom, w, h);
        series(g, points, false, new Color(30, 90, 200), minX, maxX, minY, maxY, left, right, top, bottom, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(new Color(200, 40, 40));
        g.drawString("transformer with KV cache (same shape, same kernels)", left + 20, top + 20);
        g.setColor(new Color(30, 90, 200));
        g.drawString("RWKV (fixed-size state)", left + 20, top + 40);
        g.dispose();
        OutputFile.write(file, out -> javax.imageio.ImageIO.write(img, "png", out));
    }

    private static void series(Graphics2D g, List<Point> points, boolean transformer, Color color, double minX, double maxX,
                               double minY, double maxY, int left, int right, int top, int bottom, int w, int h) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2.5f));
        int lastX = -1, lastY = -1;
        for (Point p : points) {
            double ms = transformer ? p.transformerMsPerToken() : p.rwkvMsPerToken();
            int px = (int) (left + (Math.log10(p.context()) - minX) / (maxX - minX) * (w - left - right));
            int py = (int) (top + (maxY - Math.log10(ms)) / (maxY - minY) * (h - top - bottom));
            g.fillOval(px - 4, py - 4, 8, 8);
            if (lastX >= 0) g.drawLine(lastX, lastY, px, py);
            lastX = px;
            lastY = py;
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
