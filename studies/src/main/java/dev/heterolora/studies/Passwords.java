package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;

/**
 * The generated passwords of one H2 study database: its admin ({@code SA}) and the SELECT-only {@code HL_READER} the
 * SQL console uses. No account has an empty or a published password; these are random and kept in an owner-only
 * (0600) file beside the database ({@code studies.passwords} next to {@code studies.mv.db}), which every local command
 * reads, and which a user copies to other machines' {@code HETEROLORA_DB_PASSWORD} to reach a shared server. The
 * record never prints them.
 *
 * @param admin  the admin's password
 * @param reader the reader's password, or {@code null} where it is not known (a remote server, no variable set)
 */
record Passwords(String admin, String reader) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Two new random passwords (160 bits each). */
    static Passwords random() {
        return new Passwords(token(), token());
    }

    /** The file that keeps the passwords of the file database {@code base}. */
    static Path fileOf(Path base) {
        return base.resolveSibling(base.getFileName() + ".passwords");
    }

    /** The passwords kept for the file database {@code base}, if its password file exists. */
    static Optional<Passwords> read(Path base) {
        Path file = fileOf(base);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(Files.readString(file)));
        } catch (IOException e) {
            throw new HeteroloraException("cannot read " + file + ": " + PrivateFiles.reason(e));
        }
        String admin = p.getProperty("admin");
        String reader = p.getProperty("reader");
        if (admin == null || admin.isBlank() || reader == null || reader.isBlank()) {
            throw new HeteroloraException(file + " is damaged (it needs non-empty admin= and reader= lines)");
        }
        return Optional.of(new Passwords(admin, reader));
    }

    /** The passwords of the file database {@code base}: read, or generated and stored owner-only if none are kept yet. */
    static Passwords forFile(Path base) {
        return read(base).orElseGet(() -> {
            Passwords fresh = random();
            PrivateFiles.createSecret(fileOf(base), "# passwords of the H2 database " + base + ".mv.db (keep private)\n"
                    + "admin=" + fresh.admin + "\nreader=" + fresh.reader + "\n");
            return read(base).orElseThrow();
        });
    }

    @Override
    public String toString() {
        return "Passwords[hidden]";
    }

    private static String token() {
        byte[] bytes = new byte[20];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
