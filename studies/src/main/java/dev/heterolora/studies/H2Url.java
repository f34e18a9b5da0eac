package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A study database URL made ready to connect: credentials moved out of the URL (so they never show up in
 * messages and never clash with connection properties), an unnamed in-memory database given a unique name
 * (so the migration and the console's reader connection see the same database), and, for a file database, the
 * file it names (whose directory and files are kept private, and beside which its generated passwords live).
 *
 * <p>{@code AUTO_SERVER} is refused: it served the file on a TCP port to anyone holding the key in the world-readable
 * lock file; {@code heterolora server start} shares a database instead.
 *
 * @param url      the JDBC URL without USER and PASSWORD settings; safe to show to the user
 * @param user     the user to connect as ({@code SA} unless the URL said otherwise)
 * @param password that user's password from the URL, or {@code null} if the URL gave none
 * @param file     the database file without its {@code .mv.db} ending, for file databases; otherwise {@code null}
 */
record H2Url(String url, String user, String password, Path file) {
    static final String PREFIX = "jdbc:h2:";

    /** Parses any H2 URL; anything else is refused with a one-line message. */
    static H2Url parse(String jdbcUrl) {
        if (jdbcUrl == null || !jdbcUrl.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            throw new HeteroloraException("unsupported database URL '" + jdbcUrl + "': heterolora stores studies in "
                    + "H2 (jdbc:h2:file:..., jdbc:h2:tcp://..., jdbc:h2:mem:...) or PostgreSQL (jdbc:postgresql://...)");
        }
        String[] parts = jdbcUrl.split(";");
        String location = parts[0].substring(PREFIX.length());
        String user = "SA";
        String password = null;
        List<String> settings = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String setting = parts[i].trim();
            if (setting.isEmpty()) {
                continue;
            }
            int eq = setting.indexOf('=');
            String key = (eq < 0 ? setting : setting.substring(0, eq)).trim().toUpperCase(Locale.ROOT);
            String value = eq < 0 ? "" : setting.substring(eq + 1);
            switch (key) {
                case "USER" -> user = value;
                case "PASSWORD" -> password = value;
                case "AUTO_SERVER" -> {
                    if (!value.equalsIgnoreCase("false")) {
                        throw new HeteroloraException("AUTO_SERVER is not supported (it lets other local users into "
                                + "the database); share a database with 'heterolora server start' instead");
                    }
                }
                default -> settings.add(setting);
            }
        }
        String lower = location.toLowerCase(Locale.ROOT);
        if (lower.equals("mem:")) {
            location = "mem:heterolora-" + UUID.randomUUID();
        }
        Path file = null;
        if (!lower.startsWith("mem:") && !lower.startsWith("tcp:") && !lower.startsWith("ssl:")
                && !lower.startsWith("zip:")) {
            String path = lower.startsWith("file:") ? location.substring("file:".length()) : location;
            file = (path.startsWith("~") ? Path.of(System.getProperty("user.home") + path.substring(1)) : Path.of(path))
                    .toAbsolutePath().normalize();
        }
        StringBuilder url = new StringBuilder(PREFIX).append(location);
        settings.forEach(s -> url.append(';').append(s));
        return new H2Url(url.toString(), user, password, file);
    }

    /** This URL with more settings appended (e.g. {@code IFEXISTS=TRUE}). */
    String with(String... moreSettings) {
        return url + (moreSettings.length == 0 ? "" : ";" + String.join(";", moreSettings));
    }
}
