package dev.heterolora.results;

import java.util.List;
import java.util.Locale;

/** Small HTML and number formatting helpers for the report (everything escaped, nothing external). */
final class Html {
    private Html() {}

    /** Escapes text for element content and double-quoted attributes. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A number for a table: 4 significant digits, "–" for NaN or infinities. */
    static String num(double v) {
        if (!Double.isFinite(v)) {
            return "–";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e7) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e7) {
            String s = String.format(Locale.ROOT, "%.4g", v);
            return s.contains(".") && !s.contains("e") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    /** A count with thousands separators. */
    static String count(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** A share as a percentage. */
    static String percent(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f%%", 100 * v) : "–";
    }

    /** An interval "[low, high]", or "–". */
    static String interval(Interval i) {
        return i.defined() ? "[" + num(i.low()) + ", " + num(i.high()) + "]" : "–";
    }

    /** A table with a header row; cells are HTML already (escape text with {@link #esc}). */
    static void table(StringBuilder out, String cssClass, List<String> headers, List<List<String>> rows) {
        out.append("<div class=\"scroll\"><table").append(cssClass == null ? "" : " class=\"" + cssClass + "\"")
                .append(">\n<thead><tr>");
        for (String h : headers) {
            out.append("<th>").append(h).append("</th>");
        }
        out.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : rows) {
            out.append("<tr>");
            for (String cell : row) {
                out.append("<td>").append(cell).append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</tbody></table></div>\n");
    }
}
