package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import static dev.heterolora.studies.Fixtures.study;
import static dev.heterolora.studies.Fixtures.trial;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SqlConsoleTest {
    private StudyStore store;
    private SqlConsole console;
    private long studyId;

    @BeforeEach
    void open() {
        store = StudyStore.open("jdbc:h2:mem:");
        console = store.console();
        studyId = store.createStudy(study("s"));
        store.recordTrial(trial(studyId, 0, true, 0.5));
        store.recordTrial(trial(studyId, 1, true, 0.7));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "DELETE FROM trial",
        "DROP TABLE study",
        "UPDATE trial SET fitness = 0",
        "INSERT INTO study (name, seed, strategy, budget_text, budget_limit, base_params, config_json, search_space_json) "
                + "VALUES ('x', 1, 'ga', '1', 1, 1, '{}', '{}')",
        "CREATE TABLE foo (x INT)",
        "TRUNCATE TABLE proxy_score",
        "MERGE INTO metric (run_id, step, name, val) KEY (run_id, step, name) VALUES (1, 1, 'x', 1)",
        "ALTER TABLE trial ADD COLUMN x INT",
        "SET EXCLUSIVE 1",
        "SET MODE MySQL",
        "SHUTDOWN",
        "CALL CSVWRITE('/tmp/heterolora-console-test.csv', 'SELECT 1')",
        "CREATE ALIAS EXIT FOR 'java.lang.System.exit'",
        "GRANT ALL ON SCHEMA PUBLIC TO HL_READER",
        "DELETE FROM trial; SELECT 1",
    })
    void readOnlyConsoleRejectsWritesAndKeepsTheData(String sql) {
        assertThatThrownBy(() -> console.execute(sql, false)).isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("SQL error: ")
                .hasMessageEndingWith("(the console is read-only; writing needs --write)")
                .hasMessageNotContaining("\n");
        assertThat(store.trials(studyId)).extracting(Trial::fitness).containsExactly(0.5, 0.7);
        assertThat(store.studies()).hasSize(1);
        assertThat(console.execute("SELECT COUNT(*) FROM proxy_score", false).rows()).containsExactly(List.of(4L));
    }

    @Test
    void sessionOnlyStatementsAreHarmlessAndAllowed() {
        assertThat(console.execute("SET @x = 1", false).updateCount()).isZero();
        console.execute("CREATE LOCAL TEMPORARY TABLE scratch (x INT)", false);
        assertThat(console.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'SCRATCH'", true)
                .rows()).containsExactly(List.of(0L));
    }

    @Test
    void writesWorkWhenAllowed() {
        assertThat(console.execute("UPDATE trial SET fitness = 0 WHERE seq = 0", true).updateCount()).isEqualTo(1);
        assertThat(store.trials(studyId)).extracting(Trial::fitness).containsExactly(0.0, 0.7);
        assertThat(console.execute("CREATE TABLE notes (x INT)", true).updateCount()).isZero();
        assertThat(console.execute("INSERT INTO notes VALUES (1), (2)", true).updateCount()).isEqualTo(2);
        assertThat(console.execute("SELECT * FROM notes ORDER BY x", false).rows()).containsExactly(List.of(1), List.of(2));
        console.execute("DROP TABLE notes", true);
        assertThat(console.execute("DELETE FROM trial", true).updateCount()).isEqualTo(2);
        assertThat(store.trials(studyId)).isEmpty();
        assertThat(console.execute("DROP TABLE proxy_score", true).isQuery()).isFalse();
    }

    @Test
    void queriesReturnPlainJavaValues() {
        QueryResult r = console.execute("SELECT seq, params, fitness, feasible, plan_json, created_at, NULL AS nothing, "
                + "1.50 AS dec, ARRAY[1, 2] AS arr, X'0aff' AS bin FROM trial ORDER BY seq", false);
        assertThat(r.columns()).containsExactly("SEQ", "PARAMS", "FITNESS", "FEASIBLE", "PLAN_JSON", "CREATED_AT",
                "NOTHING", "DEC", "ARR", "BIN");
        assertThat(r.isQuery()).isTrue();
        List<Object> row = r.rows().get(0);
        assertThat(row.subList(0, 5)).containsExactly(0, 0L, 0.5, true, "{\"0.q\":0}");
        assertThat(row.get(5)).asString().matches("\\d{4}-\\d\\d-\\d\\dT.*");
        assertThat(row.subList(6, 10)).containsExactly(null, new BigDecimal("1.50"), List.of(1, 2), "0aff");
    }

    @Test
    void badSqlIsOneLineWithoutStatementEcho() {
        assertThatThrownBy(() -> console.execute("SELECT *\nFROM foo", false))
                .isInstanceOf(HeteroloraException.class).hasMessageStartingWith("SQL error: Table \"FOO\" not found")
                .hasMessageNotContaining("\n").hasMessageNotContaining("SQL statement").hasMessageNotContaining("[42102");
        assertThatThrownBy(() -> console.execute("SELEC 1", true))
                .hasMessageStartingWith("SQL error: Syntax error in SQL statement").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> console.execute("  ", false)).hasMessage("SQL error: empty statement");
    }
}
