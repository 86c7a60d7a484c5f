package dev.jrwkv.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws the loss curve of a run from its {@code metrics.jsonl} as a PNG (plain Java2D, headless):
 * training loss (a moving average over 1% of the steps) in blue, validation loss as orange dots.
 *
 * <pre>{@code
 * LossCurvePlot.write(Path.of("run/metrics.jsonl"), Path.of("run/loss.png"), "L3 C128 on tinyshakespeare");
 * }</pre>
 */
public final class LossCurvePlot {
    private static final int W = 800, H = 480, LEFT = 70, RIGHT = 20, TOP = 40, BOTTOM = 50;

    private LossCurvePlot() {
    }

    public static void write(Path metrics, Path png, String title) throws IOException {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");   // no display needed
        List<double[]> train = new ArrayList<>(), val = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (var lines = Files.lines(metrics)) {
            lines.filter(l -> !l.isBlank()).forEach(l -> {
                try {
                    JsonNode o = json.readTree(l);
                    double step = o.get("step").asDouble();
                    train.add(new double[] {step, o.get("train_loss").asDouble()});
                    JsonNode v = o.get("val_loss");
                    if (v != null && v.isNumber()) val.add(new double[] {step, v.asDouble()});
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, 22);
        if (train.isEmpty()) {
            g.drawString("no steps logged", LEFT, H / 2);
        } else {
            double[] smooth = smoothed(train, Math.max(1, train.size() / 100));
            double maxStep = train.getLast()[0];
            double lo = Double.MAX_VALUE, hi = 0;
            for (int i = Math.min(train.size() - 1, train.size() / 50); i < smooth.length; i++) {   // skip the first 2%: the init loss
                lo = Math.min(lo, smooth[i]);
                hi = Math.max(hi, smooth[i]);
            }
            for (double[] v : val) {
                lo = Math.min(lo, v[1]);
                hi = Math.max(hi, v[1]);
            }
            lo = Math.floor(lo * 10) / 10;
            hi = Math.ceil(hi * 10) / 10 + 0.1;
            axes(g, maxStep, lo, hi);
            Path2D line = new Path2D.Double();
            for (int i = 0; i < smooth.length; i++) {
                double x = x(train.get(i)[0], maxStep), y = y(Math.min(hi, smooth[i]), lo, hi);
                if (i == 0) line.moveTo(x, y);
                else line.lineTo(x, y);
            }
            g.setColor(new Color(31, 119, 180));
            g.setStroke(new BasicStroke(1.8f));
            g.draw(line);
            g.setColor(new Color(255, 127, 14));
            for (double[] v : val) g.fillOval((int) x(v[0], maxStep) - 4, (int) y(v[1], lo, hi) - 4, 8, 8);
            String last = val.isEmpty() ? "" : String.format(Locale.ROOT, " (last %.3f)", val.getLast()[1]);
            int lx = W - RIGHT - 370, ly = TOP + 20;                    // inside the plot, top right: a falling curve leaves it free
            g.setColor(Color.WHITE);
            g.fillRect(lx - 8, ly - 14, 368, 22);
            g.setColor(new Color(31, 119, 180));
            g.drawLine(lx, ly - 4, lx + 20, ly - 4);
            g.setColor(new Color(255, 127, 14));
            g.fillOval(lx + 170, ly - 8, 8, 8);
            g.setColor(Color.BLACK);
            g.drawString("train loss (smoothed)", lx + 26, ly);
            g.drawString("validation loss" + last, lx + 184, ly);
        }
        g.dispose();
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!ImageIO.write(img, "png", png.toFile())) throw new IOException("no PNG writer");
    }

    private static double[] smoothed(List<double[]> points, int window) {
        double[] out = new double[points.size()];
        double sum = 0;
        for (int i = 0; i < points.size(); i++) {
            sum += points.get(i)[1];
            if (i >= window) sum -= points.get(i - window)[1];
            out[i] = sum / Math.min(i + 1, window);
        }
        return out;
    }

    private static void axes(Graphics2D g, double maxStep, double lo, double hi) {
        g.setColor(Color.LIGHT_GRAY);
        int ticks = 6;
        for (int i = 0; i <= ticks; i++) {
            double v = lo + (hi - lo) * i / ticks;
            int y = (int) y(v, lo, hi);
            g.drawLine(LEFT, y, W - RIGHT, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.2f", v), 20, y + 4);
            g.setColor(Color.LIGHT_GRAY);
        }
        g.setColor(Color.BLACK);
        g.drawLine(LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM);
        g.drawLine(LEFT, TOP, LEFT, H - BOTTOM);
        for (int i = 0; i <= 5; i++) {
            double s = maxStep * i / 5;
            int x = (int) x(s, maxStep);
            g.drawString(String.format(Locale.ROOT, "%.0f", s), x - 10, H - BOTTOM + 18);
        }
        g.drawString("step", W / 2, H - 12);
        g.drawString("nats", 10, TOP - 8);
    }

    private static double x(double step, double maxStep) {
        return LEFT + (W - LEFT - RIGHT) * step / Math.max(1, maxStep);
    }

    private static double y(double v, double lo, double hi) {
        return H - BOTTOM - (H - TOP - BOTTOM) * (v - lo) / (hi - lo);
    }
}
