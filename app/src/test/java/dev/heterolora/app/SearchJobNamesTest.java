package dev.heterolora.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.search.SearchSettings;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A search stores the name it was asked for; a name another study has is refused before any work. */
class SearchJobNamesTest {
    private static final ComputeSettings CPU = ComputeSettings.parse("cpu", "fp32");

    private static SearchRequest named(String name, Path data) {
        SearchSettings d = SearchSettings.defaults(3);
        SearchSettings s = new SearchSettings(3, 12, 4, d.steadyGenerations(), 30, 4, d.topkFraction());
        return new SearchRequest(SearchJobTest.LLAMA, data, "4%", "ga", List.of("snip"), false, "0,1,2,4,8", "all",
                false, "2r", 2, 4, 32, 1e-3, s, 0, name);
    }

    @Test
    void aSearchKeepsItsNameAndADuplicateIsRefusedFirst(@TempDir Path tmp) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            SearchJob.Outcome o = SearchJob.start(db, named("vote-150k", SearchJobTest.ROWS), tmp, CPU,
                    (g, f) -> { }, out);
            assertThat(db.studyNamed("vote-150k")).get().satisfies(s -> {
                assertThat(s.id()).isEqualTo(o.studyId());
                assertThat(s.status()).isEqualTo(Status.FINISHED);
            });
            log.reset();
            // the rows file does not exist: resolving would fail, so the name must be checked before
            assertThatThrownBy(() -> SearchJob.start(db, named("vote-150k", tmp.resolve("missing.jsonl")), tmp, CPU,
                    (g, f) -> { }, out)).isInstanceOf(HeteroloraException.class)
                    .hasMessage("a study named 'vote-150k' already exists (study " + o.studyId() + "); choose "
                            + "another --name, or resume it with --resume " + o.studyId());
            assertThat(log.toString(StandardCharsets.UTF_8)).isEmpty();
            assertThat(db.studies()).hasSize(1);
            SearchJob.Outcome unnamed = SearchJob.start(db, named(null, SearchJobTest.ROWS), tmp, CPU, (g, f) -> { },
                    out);
            assertThat(db.study(unnamed.studyId()).orElseThrow().name()).isNull();
        }
    }
}
