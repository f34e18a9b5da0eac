package dev.heterolora.results;

import dev.heterolora.core.AtomicFile;
import dev.heterolora.core.HeteroloraException;

import dev.heterolora.studies.Trial;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn with XChart into images (PNG via {@link #writePng}).
 *
 * <p>Headless: loading this class sets {@code java.awt.headless=true} unless the property is already set, so no
 * display is needed. Only the JDK's logical font {@code SansSerif} is used (whatever the system maps it to); nothing
 * is loaded from the network or from font files of our own. Non-finite values are left out of every series.
 */
public final class Charts {
    /** Default image width in pixels. */
    public static final int WIDTH = 960;
    /** Default image height in pixels. */
    public static final int HEIGHT = 520;

    private static final String FONT = Font.SANS_SERIF;
    private static final Color FAINT = new Color(0x99, 0x99, 0x99, 0x88);
    private static final Color HIGHLIGHT = new Color(0xd6, 0x27, 0x28);
    private static final Color[] SERIES = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    /** Light to dark: black cell text stays readable on every colour. */
    private static final Color[] RANK_COLOURS = {new Color(0xffffcc), new Color(0xfed976), new Color(0xfd8d3c),
        new Color(0xf03b20)};

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {}

    /** A point of a scatter plot; highlighted points (e.g. the uniform baseline) are drawn as a series of their own. */
    public record Point(double x, double y, boolean highlighted) {}

    /** One line of a line chart, e.g. one run's values of a metric by step. */
    public record Line(String label, double[] x, double[] y) {
        /** Requires paired arrays. */
        public Line {
            if (x.length != y.length) {
                throw new IllegalArgumentException("line " + label + ": " + x.length + " x values, " + y.length + " y values");
            }
        }
    }

    /**
     * Search history: best-so-far and median fitness per generation (left axis) and the share of feasible trials
     * (right axis, 0 to 1).
     */
    public static BufferedImage searchHistory(String title, List<GenerationSummary> generations) {
        XYChart chart = xyChart(title, "generation", "fitness");
        double[] g = generations.stream().mapToDouble(GenerationSummary::generation).toArray();
        addLine(chart, "best so far", g, generations.stream().mapToDouble(GenerationSummary::bestSoFar).toArray(), SERIES[0]);
        addLine(chart, "median", g, generations.stream().mapToDouble(GenerationSummary::median).toArray(), SERIES[1]);
        XYSeries share = addLine(chart, "feasible share", g,
                generations.stream().mapToDouble(GenerationSummary::feasibleShare).toArray(), SERIES[2]);
        if (share != null) {
            share.setYAxisGroup(1);
            share.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            chart.setYAxisGroupTitle(1, "feasible share");
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            chart.getStyler().setYAxisMin(1, 0.0);
            chart.getStyler().setYAxisMax(1, 1.0);
        }
        return image(chart);
    }

    /**
     * Pareto front: parameters (x) against fitness (y) of every trial (faint), the Pareto trials highlighted and
     * joined in parameter order.
     */
    public static BufferedImage paretoFront(String title, List<Trial> trials) {
        XYChart chart = xyChart(title, "adapter parameters", "fitness");
        List<Trial> rest = trials.stream().filter(t -> !t.pareto()).toList();
        List<Trial> front = trials.stream().filter(Trial::pareto)
                .sorted(java.util.Comparator.comparingLong(Trial::params)).toList();
        XYSeries all = addPoints(chart, "trials", rest.stream().mapToDouble(Trial::params).toArray(),
                rest.stream().mapToDouble(Trial::fitness).toArray(), FAINT);
        if (all != null) {
            all.setMarker(SeriesMarkers.CIRCLE);
        }
        XYSeries pareto = addLine(chart, "Pareto front", front.stream().mapToDouble(Trial::params).toArray(),
                front.stream().mapToDouble(Trial::fitness).toArray(), HIGHLIGHT);
        if (pareto != null) {
            pareto.setMarker(SeriesMarkers.DIAMOND);
        }
        return image(chart);
    }

    /**
     * A plan's allocation as a heat map: layers (rows, layer 0 on top) by site kinds (columns), the rank written in
     * each cell and its colour on a log2 scale from rank 1 to {@code maxRank}; sites without an adapter stay white.
     *
     * @param layers  rows to draw (at least the plan's)
     * @param kinds   columns to draw, in order (at least the plan's)
     * @param maxRank the rank of the darkest colour, the same for plans that should be compared
     */
    public static BufferedImage allocation(String title, PlanAllocation plan, int layers, List<String> kinds, int maxRank) {
        int rows = Math.max(1, Math.max(layers, plan.layers()));
        List<String> columns = new ArrayList<>(kinds);
        for (String k : plan.kinds()) {
            if (!columns.contains(k)) {
                columns.add(k);
            }
        }
        if (columns.isEmpty()) {
            columns.add("(no adapters)");
        }
        int width = Math.max(700, 200 + 92 * columns.size());
        int height = Math.max(320, 190 + 28 * rows);
        HeatMapChart chart = new HeatMapChartBuilder().width(width).height(height).title(title)
                .xAxisTitle("site kind").yAxisTitle("layer").build();
        style(chart.getStyler());
        int top = Math.max(2, Math.max(maxRank, plan.maxRank()));
        // XChart maps values linearly onto the colours: a fine colour table spaced on a log scale makes ranks
        // 1, 2, 4, 8, ... evenly spaced colours while the cells and the legend show the ranks themselves
        chart.getStyler().setRangeColors(logColours(top)).setMin(1.0).setMax(top)
                .setShowValue(true).setValueFont(new Font(FONT, Font.BOLD, 12)).setValueFontColor(Color.BLACK)
                .setHeatMapValueDecimalPattern("0").setHeatMapDecimalValueFormatter(v -> Long.toString(Math.round(v)))
                .setDrawBorder(true).setPlotGridLinesVisible(false).setPlotBackgroundColor(Color.WHITE)
                .setLegendVisible(true);
        chart.getStyler().setXAxisLabelRotation(columns.size() > 6 ? 30 : 0);
        List<String> rowLabels = new ArrayList<>();
        for (int layer = rows - 1; layer >= 0; layer--) {
            rowLabels.add(Integer.toString(layer));
        }
        List<Number[]> cells = new ArrayList<>();
        for (PlanAllocation.Site s : plan.sites()) {
            cells.add(new Number[] {columns.indexOf(s.kind()), rows - 1 - s.layer(), s.rank()});
        }
        if (cells.isEmpty()) {
            // XChart needs a cell to lay out the axes: an unlabelled white one
            cells.add(new Number[] {0, 0, 1});
            chart.getStyler().setRangeColors(new Color[] {Color.WHITE, Color.WHITE}).setShowValue(false);
        }
        chart.addSeries("rank", columns, rowLabels, cells);
        return image(chart);
    }

    /** Colours for values 1..maxRank spaced evenly in log2(value) over {@link #RANK_COLOURS}. */
    static Color[] logColours(int maxRank) {
        int n = 97;
        Color[] out = new Color[n];
        for (int i = 0; i < n; i++) {
            double value = 1 + (maxRank - 1) * (double) i / (n - 1);
            out[i] = blend(Math.log(value) / Math.log(maxRank));
        }
        return out;
    }

    /** The colour at {@code t} in [0, 1] along {@link #RANK_COLOURS}. */
    private static Color blend(double t) {
        double pos = Math.max(0, Math.min(1, t)) * (RANK_COLOURS.length - 1);
        int i = Math.min((int) pos, RANK_COLOURS.length - 2);
        double f = pos - i;
        Color a = RANK_COLOURS[i];
        Color b = RANK_COLOURS[i + 1];
        return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
    }

    /**
     * A validation scatter: each validated plan's proxy score (x) against its trained result (y); highlighted
     * points (the uniform baseline) drawn in a series of their own.
     */
    public static BufferedImage validationScatter(String title, String xTitle, String yTitle, List<Point> points) {
        XYChart chart = xyChart(title, xTitle, yTitle);
        chart.getStyler().setMarkerSize(9);
        List<Point> plain = points.stream().filter(p -> !p.highlighted()).toList();
        List<Point> marked = points.stream().filter(Point::highlighted).toList();
        XYSeries plans = addPoints(chart, "searched plans", plain.stream().mapToDouble(Point::x).toArray(),
                plain.stream().mapToDouble(Point::y).toArray(), SERIES[0]);
        if (plans != null) {
            plans.setMarker(SeriesMarkers.CIRCLE);
        }
        XYSeries baseline = addPoints(chart, "uniform baseline", marked.stream().mapToDouble(Point::x).toArray(),
                marked.stream().mapToDouble(Point::y).toArray(), HIGHLIGHT);
        if (baseline != null) {
            baseline.setMarker(SeriesMarkers.DIAMOND);
        }
        return image(chart);
    }

    /** One series of a bar chart with error bars: a value and a half-width per category (NaN = no bar). */
    public record Bars(String label, List<Double> values, List<Double> halfWidths) {}

    /**
     * Bars per category with their confidence intervals as error bars, one series per group (e.g. per budget):
     * how an experiment table's paired differences are drawn.
     */
    public static BufferedImage intervals(String title, String yTitle, List<String> categories, List<Bars> series) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisLabelRotation(30);
        chart.getStyler().setErrorBarsColor(Color.DARK_GRAY);
        int i = 0;
        for (Bars b : series) {
            List<Double> values = b.values().stream().map(v -> Double.isFinite(v) ? v : 0.0).toList();
            List<Double> errors = b.halfWidths().stream().map(v -> Double.isFinite(v) ? v : 0.0).toList();
            chart.addSeries(b.label(), categories, values, errors).setFillColor(SERIES[i++ % SERIES.length]);
        }
        return image(chart);
    }

    /** Line chart of one metric against step, one line per run; lines without a finite point are left out. */
    public static BufferedImage lines(String title, String xTitle, String yTitle, List<Line> lines) {
        XYChart chart = xyChart(title, xTitle, yTitle);
        int i = 0;
        for (Line l : lines) {
            if (addLine(chart, l.label(), l.x(), l.y(), SERIES[i % SERIES.length]) != null) {
                i++;
            }
        }
        return image(chart);
    }

    /** Writes an image as PNG, atomically (a temporary file in the same folder, then moved into place). */
    public static void writePng(BufferedImage image, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            AtomicFile.write(file, out -> {
                if (!ImageIO.write(image, "png", out)) {
                    throw new IOException("no PNG writer in this JDK");
                }
            });
        } catch (IOException e) {
            throw new HeteroloraException("cannot write chart " + file + ": " + e.getMessage(), e);
        }
    }

    /** Renders any XChart chart to an image at its own size. */
    public static BufferedImage image(Chart<?, ?> chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }

    private static XYChart xyChart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line).setLegendPosition(Styler.LegendPosition.OutsideS)
                .setLegendLayout(Styler.LegendLayout.Horizontal).setMarkerSize(6);
        chart.getStyler().setXAxisDecimalPattern("#,##0.###").setYAxisDecimalPattern("#,##0.####");
        return chart;
    }

    private static void style(AxesChartStyler s) {
        s.setBaseFont(new Font(FONT, Font.PLAIN, 12));
        s.setChartTitleFont(new Font(FONT, Font.BOLD, 15));
        s.setLegendFont(new Font(FONT, Font.PLAIN, 12));
        s.setAxisTitleFont(new Font(FONT, Font.PLAIN, 13));
        s.setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, 11));
        s.setAnnotationTextFont(new Font(FONT, Font.PLAIN, 11));
        s.setToolTipFont(new Font(FONT, Font.PLAIN, 11));
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(new Color(0xbbbbbb));
        s.setPlotGridLinesColor(new Color(0xe5e5e5));
        s.setChartTitleBoxVisible(false);
        s.setLegendBorderColor(Color.WHITE);
        s.setLocale(Locale.ROOT);
        s.setAntiAlias(true);
    }

    /** Adds the finite points as a line; returns null (and adds nothing) when none is finite. */
    private static XYSeries addLine(XYChart chart, String name, double[] x, double[] y, Color colour) {
        double[][] p = finite(x, y);
        if (p[0].length == 0) {
            return null;
        }
        XYSeries s = chart.addSeries(name, p[0], p[1]);
        s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
        s.setLineColor(colour);
        s.setMarkerColor(colour);
        s.setMarker(p[0].length > 60 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        s.setLineWidth(2f);
        return s;
    }

    /** Adds the finite points as a scatter series; returns null (and adds nothing) when none is finite. */
    private static XYSeries addPoints(XYChart chart, String name, double[] x, double[] y, Color colour) {
        double[][] p = finite(x, y);
        if (p[0].length == 0) {
            return null;
        }
        XYSeries s = chart.addSeries(name, p[0], p[1]);
        s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
        s.setMarkerColor(colour);
        return s;
    }

    private static double[][] finite(double[] x, double[] y) {
        int n = 0;
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                n++;
            }
        }
        double[][] out = new double[2][n];
        int j = 0;
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                out[0][j] = x[i];
                out[1][j++] = y[i];
            }
        }
        return out;
    }
}
