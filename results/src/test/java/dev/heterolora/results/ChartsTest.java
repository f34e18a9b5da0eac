package dev.heterolora.results;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Charts' edge cases: empty plans and series without a finite point still draw. */
class ChartsTest {
    @Test
    void drawsAnEmptyPlanAndASeriesWithoutFinitePoints(@TempDir Path dir) throws Exception {
        BufferedImage empty = Charts.allocation("empty", PlanAllocation.parse("{\"sites\":{}}"), 2, List.of("q", "v"), 8);
        BufferedImage none = Charts.lines("none", "x", "y",
                List.of(new Charts.Line("a", new double[] {1, 2}, new double[] {Double.NaN, Double.POSITIVE_INFINITY})));
        BufferedImage one = Charts.allocation("one", PlanAllocation.parse("{\"0.q\": 1}"), 0, List.of(), 0);
        for (BufferedImage image : List.of(empty, none, one)) {
            Path png = dir.resolve("c.png");
            Charts.writePng(image, png);
            assertThat(Files.size(png)).isPositive();
            assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(image.getWidth());
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("c.png");
        }
    }

    @Test
    void rankColoursAreSpacedOnALogScale() {
        Color[] colours = Charts.logColours(64);
        assertThat(colours[0]).isEqualTo(new Color(0xffffcc));
        assertThat(colours[colours.length - 1]).isEqualTo(new Color(0xf03b20));
        // rank 8 is half-way (log2 8 = 3 of 6): the middle of the light-to-dark ramp, not near the light end
        int at8 = (int) Math.round((8 - 1) * (colours.length - 1) / 63.0);
        int green = colours[at8].getGreen();
        assertThat(green).isBetween(0x9a, 0xd9);
    }
}
