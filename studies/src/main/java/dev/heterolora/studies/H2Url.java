package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A study database URL made ready to connect: credentials moved out of the URL (so they never show up in
 * messages and never clash with connection properties), an unnamed in-memory database given a unique name
 * (so the migration and the console's reader connection see the same database), and {@code AUTO_SERVER=TRUE}
 * added to file databases (so a second process can read while a search writes).
 *
 * @param url      the JDBC URL without USER and PASSWORD settings; safe to show to the user
 * @param user     the user to connect as ({@code sa} unless the URL said otherwise)
 * @param password that user's password (empty unless the URL said otherwise)
 */
record H2Url(String url, String user, String password) {
    private static final String PREFIX = "jdbc:h2:";

    /** Parses any H2 URL; anything else is refused with a one-line message. */
    static H2Url parse(String jdbcUrl) {
        if (jdbcUrl == null || !jdbcUrl.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            throw new HeteroloraException("unsupported database URL '" + jdbcUrl
                    + "': heterolora stores studies in H2 (jdbc:h2:file:..., jdbc:h2:tcp://..., jdbc:h2:mem:...)");
        }
        String[] parts = jdbcUrl.split(";");
        String location = PREFIX + parts[0].substring(PREFIX.length());
        String user = "sa";
        String password = "";
        boolean lockingChosen = false;
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
                default -> {
                    lockingChosen |= key.equals("AUTO_SERVER") || key.equals("FILE_LOCK");
                    settings.add(setting);
                }
            }
        }
        String path = location.substring(PREFIX.length()).toLowerCase(Locale.ROOT);
        if (path.equals("mem:")) {
            location = PREFIX + "mem:heterolora-" + UUID.randomUUID();
        }
        boolean fileDatabase = !path.startsWith("mem:") && !path.startsWith("tcp:") && !path.startsWith("ssl:")
                && !path.startsWith("zip:");
        if (fileDatabase && !lockingChosen) {
            settings.add("AUTO_SERVER=TRUE");
        }
        StringBuilder url = new StringBuilder(location);
        settings.forEach(s -> url.append(';').append(s));
        return new H2Url(url.toString(), user, password);
    }
}
