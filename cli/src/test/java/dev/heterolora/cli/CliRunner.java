package dev.heterolora.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Runs the CLI in-process and captures what it prints. */
record CliRunner(int exitCode, String out, String err) {
    static {
        // every test has a data directory of its own; they share one DJL cache rather than unpack libtorch each
        if (System.getenv("DJL_CACHE_DIR") == null && System.getProperty("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", Path.of(System.getProperty("user.home"), ".djl.ai").toString());
        }
    }

    /** The HF reference fixtures kept with the model module's tests. */
    static Path fixture(String name) {
        return Path.of("../model/src/test/resources/fixtures/hf", name).toAbsolutePath().normalize();
    }

    /** The proxy rows of the tiny Llama fixture ({@code "input_ids"} JSONL), copied to {@code dir/rows.jsonl}. */
    static Path rows(Path dir) {
        Path rows = dir.resolve("rows.jsonl");
        try (InputStream in = CliRunner.class.getResourceAsStream("/studies/llama_rows.jsonl")) {
            Files.createDirectories(dir);
            Files.copy(in, rows, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    static CliRunner run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new CliRunner(code, out.toString(), err.toString());
    }
}
