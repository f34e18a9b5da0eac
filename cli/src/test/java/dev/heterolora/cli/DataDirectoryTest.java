package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The data directory's order of precedence, and DJL's cache inside it unless the user chose one. */
class DataDirectoryTest {
    private static final String USER_HOME = "/passwd/home";

    @Test
    void flagThenHeterolorahomeThenXdgThenHomeThenUserHome() {
        Map<String, String> all = Map.of("HETEROLORA_HOME", "/h", "XDG_DATA_HOME", "/xdg", "HOME", "/env-home");
        assertThat(DataDirectory.resolve(Path.of("/flag"), all, USER_HOME)).isEqualTo(Path.of("/flag"));
        assertThat(DataDirectory.resolve(null, all, USER_HOME)).isEqualTo(Path.of("/h"));
        assertThat(DataDirectory.resolve(null, Map.of("XDG_DATA_HOME", "/xdg", "HOME", "/env-home"), USER_HOME))
                .isEqualTo(Path.of("/xdg/heterolora"));
        assertThat(DataDirectory.resolve(null, Map.of("HOME", "/env-home"), USER_HOME))
                .isEqualTo(Path.of("/env-home/.heterolora"));
        assertThat(DataDirectory.resolve(null, Map.of(), USER_HOME)).isEqualTo(Path.of("/passwd/home/.heterolora"));
    }

    @Test
    void blankValuesAndARelativeXdgDataHomeAreIgnored() {
        assertThat(DataDirectory.resolve(null, Map.of("HETEROLORA_HOME", " ", "XDG_DATA_HOME", "rel/data",
                "HOME", "/env-home"), USER_HOME)).isEqualTo(Path.of("/env-home/.heterolora"));
        assertThat(DataDirectory.resolve(null, Map.of("HOME", ""), USER_HOME)).isEqualTo(Path.of("/passwd/home/.heterolora"));
    }

    @Test
    void djlCacheGoesIntoTheDataDirectoryUnlessTheUserChoseOne() {
        Properties p = new Properties();
        assertThat(DataDirectory.useDjlCacheIn(Path.of("/data"), Map.of(), p)).isEqualTo(Path.of("/data/djl"));
        assertThat(p.getProperty("DJL_CACHE_DIR")).isEqualTo("/data/djl");
        // a later run in the same JVM with another data directory moves it (the value was ours)
        assertThat(DataDirectory.useDjlCacheIn(Path.of("/other"), Map.of(), p)).isEqualTo(Path.of("/other/djl"));

        Properties user = new Properties();
        user.setProperty("DJL_CACHE_DIR", "/mine");
        assertThat(DataDirectory.useDjlCacheIn(Path.of("/data"), Map.of(), user)).isEqualTo(Path.of("/mine"));
        assertThat(user.getProperty("DJL_CACHE_DIR")).isEqualTo("/mine");

        Properties untouched = new Properties();
        assertThat(DataDirectory.useDjlCacheIn(Path.of("/data"), Map.of("DJL_CACHE_DIR", "/env-cache"), untouched))
                .isEqualTo(Path.of("/env-cache"));
        assertThat(untouched.getProperty("DJL_CACHE_DIR")).isNull();
    }
}
