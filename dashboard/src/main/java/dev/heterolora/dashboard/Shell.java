package dev.heterolora.dashboard;

import dev.heterolora.core.HeteroloraException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The one HTML page every dashboard page is: a shell with the navigation, the styles and scripts, and an empty
 * {@code main} that the page's script fills from the API. Only names written in code go into it (the page name and
 * the ECharts version the build recorded), so it needs no escaping and stored text never passes through it.
 */
record Shell(String template, String echartsVersion) {
    /** Reads the template and the build's properties from the jar. */
    static Shell load() {
        Properties build = new Properties();
        try (InputStream props = resource("/dashboard/dashboard.properties");
             InputStream html = resource("/dashboard/shell.html")) {
            build.load(props);
            return new Shell(new String(html.readAllBytes(), StandardCharsets.UTF_8), build.getProperty("echarts.version"));
        } catch (IOException e) {
            throw new HeteroloraException("cannot read the dashboard's page template: " + e.getMessage(), e);
        }
    }

    /** The page that runs {@code /static/<page>.js}. */
    String page(String page) {
        return template.replace("{{page}}", page).replace("{{echarts}}", echartsVersion);
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = Shell.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is missing from the jar");
        }
        return in;
    }
}
