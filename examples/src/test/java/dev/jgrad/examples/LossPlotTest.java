package dev.jgrad.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossPlotTest {

    @Test
    void drawsTheMetricsOfARun(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("kind,step,loss,perplexity,lr,grad_norm,ms,items_per_sec,gflops\n");
        for (int s = 1; s <= 100; s++) csv.append("train,").append(s).append(',').append(4.0 * Math.exp(-s / 40.0) + 1).append(",1,1e-3,1,10,100,1\n");
        for (int s = 20; s <= 100; s += 20) csv.append("val,").append(s).append(',').append(4.0 * Math.exp(-s / 40.0) + 1.1)
                .append(',').append(Math.exp(4.0 * Math.exp(-s / 40.0) + 1.1)).append(",,,,,\n");
        Files.writeString(dir.resolve("metrics.csv"), csv);
        Path png = LossPlot.write(dir);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1000, image.getWidth());
        assertEquals(700, image.getHeight());
        // a plot, not a blank canvas: many distinct colours
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < 700; y += 5) for (int x = 0; x < 1000; x += 5) colours.add(image.getRGB(x, y));
        assertTrue(colours.size() > 20, "colours: " + colours.size());
    }
}
