package dev.jrwkv.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class LossCurvePlotTest {

    @Test
    void drawsTrainingAndValidationLoss(@TempDir Path dir) throws IOException {
        Path metrics = dir.resolve("metrics.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int s = 1; s <= 200; s++) {
            String val = s % 50 == 0 ? Double.toString(3.0 / Math.sqrt(s)) : "null";
            lines.append("{\"step\":").append(s).append(",\"train_loss\":").append(3.0 / Math.sqrt(s))
                    .append(",\"val_loss\":").append(val).append(",\"tokens_per_s\":100.0}\n");
        }
        Files.writeString(metrics, lines);
        Path png = dir.resolve("out/loss.png");
        LossCurvePlot.write(metrics, png, "test run");
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo(480);
        int blue = 0, orange = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                if (rgb == 0x1F77B4) blue++;
                if (rgb == 0xFF7F0E) orange++;
            }
        }
        assertThat(blue).as("training curve pixels").isGreaterThan(300);
        assertThat(orange).as("validation dots").isGreaterThan(4 * 20);
    }
}
