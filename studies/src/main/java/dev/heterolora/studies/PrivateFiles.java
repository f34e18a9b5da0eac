package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Keeps the study database's directory and files to their owner (0700 and 0600), because they hold every study and
 * the passwords that open it, and other local users must not read them. Where the file system has no POSIX
 * permissions (Windows) nothing is changed. Failures are one-line {@link HeteroloraException}s naming the path.
 */
final class PrivateFiles {
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {}

    /** Creates {@code dir} (and missing parents) owner-only, or makes an existing one owner-only. */
    static void directory(Path dir) {
        try {
            if (Files.isDirectory(dir)) {
                restrict(dir, OWNER_DIR);
            } else if (posix(dir.getParent())) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
            } else {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new HeteroloraException("cannot create the data directory " + dir + ": " + reason(e));
        }
    }

    /** Makes every existing file of the database {@code base} ({@code base.mv.db}, {@code base.*}) owner-only. */
    static void databaseFiles(Path base) {
        Path dir = base.getParent();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, base.getFileName() + ".*")) {
            for (Path f : files) {
                if (Files.isRegularFile(f)) {
                    restrict(f, OWNER_FILE);
                }
            }
        } catch (IOException e) {
            throw new HeteroloraException("cannot make the files of " + base + " private: " + reason(e));
        }
    }

    /** Writes {@code text} to a new file that is owner-only from its creation; false if the file already exists. */
    static boolean createSecret(Path file, String text) {
        try {
            if (posix(file.getParent())) {
                Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_FILE)), text,
                        StandardOpenOption.TRUNCATE_EXISTING);
            } else {
                Files.writeString(file, text, StandardOpenOption.CREATE_NEW);
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new HeteroloraException("cannot write " + file + ": " + reason(e));
        }
    }

    /** The message of an I/O failure, with the kind of failure where the JDK gives only a path. */
    static String reason(IOException e) {
        String kind = switch (e) {
            case java.nio.file.AccessDeniedException a -> "permission denied";
            case java.nio.file.NoSuchFileException n -> "no such file or directory";
            case java.nio.file.FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage();
        };
        return kind == null ? e.getClass().getSimpleName() : kind;
    }

    private static void restrict(Path p, Set<PosixFilePermission> permissions) throws IOException {
        if (posix(p)) {
            Files.setPosixFilePermissions(p, permissions);
        }
    }

    private static boolean posix(Path p) {
        return p != null && p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
