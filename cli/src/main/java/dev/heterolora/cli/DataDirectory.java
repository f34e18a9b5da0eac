package dev.heterolora.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Where heterolora keeps its files (study database, world, runs, reports, exports, and DJL's unpacked libtorch), so
 * that nothing lands where the user did not ask: {@code --home} &gt; {@code $HETEROLORA_HOME} &gt;
 * {@code $XDG_DATA_HOME/heterolora} &gt; {@code $HOME/.heterolora} (the environment's HOME, which a user can point
 * elsewhere, not Java's {@code user.home}, which is the passwd entry; that is only the last resort when HOME is
 * unset). The environment is passed in so the order can be tested.
 */
final class DataDirectory {
    /** The system property and environment variable DJL reads for its cache (libtorch, tokenizers). */
    static final String DJL_CACHE_DIR = "DJL_CACHE_DIR";
    /** The folder of the data directory that holds DJL's cache (about 445 MB of libtorch on Linux x86-64). */
    static final String DJL_FOLDER = "djl";

    /** The cache directory this class last set, so a later run in the same JVM may move it (tests). */
    private static volatile String ours;

    private DataDirectory() {}

    /**
     * The data directory.
     *
     * @param flag     the {@code --home} value, or {@code null}
     * @param env      the environment ({@code System.getenv()})
     * @param userHome Java's {@code user.home}, used only when HOME is unset
     */
    static Path resolve(Path flag, Map<String, String> env, String userHome) {
        if (flag != null) {
            return flag;
        }
        String explicit = nonBlank(env.get("HETEROLORA_HOME"));
        if (explicit != null) {
            return Path.of(explicit);
        }
        String xdg = nonBlank(env.get("XDG_DATA_HOME"));
        if (xdg != null && Path.of(xdg).isAbsolute()) { // the XDG spec says to ignore a relative path
            return Path.of(xdg, "heterolora");
        }
        String home = nonBlank(env.get("HOME"));
        return Path.of(home != null ? home : userHome, ".heterolora");
    }

    /** The data directory of this process's environment. */
    static Path resolve(Path flag) {
        return resolve(flag, System.getenv(), System.getProperty("user.home"));
    }

    /**
     * Points DJL's cache into {@code home}'s {@value #DJL_FOLDER} folder unless the user chose one (environment
     * variable or system property {@value #DJL_CACHE_DIR}); DJL reads it when the engine first loads, so this runs
     * before any command does.
     *
     * @return the cache directory DJL will use
     */
    static Path useDjlCacheIn(Path home, Map<String, String> env, Properties properties) {
        String fromEnv = nonBlank(env.get(DJL_CACHE_DIR)); // DJL prefers the environment to the property
        if (fromEnv != null) {
            return Path.of(fromEnv);
        }
        String fromProperty = nonBlank(properties.getProperty(DJL_CACHE_DIR));
        if (fromProperty != null && !fromProperty.equals(ours)) {
            return Path.of(fromProperty);
        }
        String dir = home.resolve(DJL_FOLDER).toAbsolutePath().normalize().toString();
        ours = dir;
        properties.setProperty(DJL_CACHE_DIR, dir);
        return Path.of(dir);
    }

    private static String nonBlank(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
