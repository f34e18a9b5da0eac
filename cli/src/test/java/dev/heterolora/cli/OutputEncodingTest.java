package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CLI's output in a real JVM under the charsets a locale gives standard output: the C/POSIX locale's US-ASCII
 * (where Java would print '?' for the '·' of {@code search --help}) gets UTF-8; a locale that names another charset
 * (ISO-8859-1) keeps it.
 */
class OutputEncodingTest {
    @Test
    void thePosixLocalePrintsUtf8AndOtherCharsetsAreKept() throws Exception {
        assertThat(help("US-ASCII")).contains("2\u00b7rank").doesNotContain("2?rank");
        assertThat(new String(helpBytes("ISO-8859-1"), StandardCharsets.ISO_8859_1)).contains("2\u00b7rank");
    }

    private static String help(String charset) throws IOException, InterruptedException {
        return new String(helpBytes(charset), StandardCharsets.UTF_8);
    }

    private static byte[] helpBytes(String charset) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Dstdout.encoding=" + charset, "-Dstderr.encoding=" + charset, "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "search", "--help"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        return out;
    }
}
