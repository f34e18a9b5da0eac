package dev.heterolora.cli;

import dev.heterolora.studies.QueryResult;
import dev.heterolora.studies.StudyStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora sql}: any SQL against the study database; read-only unless --write, enforced by the database
 * (a SELECT-only user on a read-only connection that never creates or migrates a database).
 */
@Command(name = "sql", description = {"Run SQL on the study database (read-only unless --write).",
        "Tables: " + SqlCommand.TABLES + " (SELECT TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS "
                + "lists their columns)."},
        footer = {"", "Examples:",
                "  heterolora sql \"SELECT id, name, status FROM study\"",
                "  heterolora sql --json \"SELECT generation, MAX(fitness) AS best FROM trial WHERE study_id = 3 "
                        + "GROUP BY generation\"",
                "  heterolora sql --csv \"SELECT step, name, val FROM metric WHERE run_id = 7\" > metrics.csv",
                "  heterolora sql --write \"DELETE FROM study WHERE status = 'failed'\""})
final class SqlCommand implements Callable<Integer> {
    /** Every table of the schema, in the order a reader meets them; a test checks it against the real schema. */
    static final String TABLES = "study, trial, proxy_score, run, metric, validation, validation_score, "
            + "validation_correlation, work_unit";

    @Mixin
    StoreOptions store;

    @Parameters(index = "0", paramLabel = "SQL", description = "the statement")
    String sql;

    @Option(names = "--write", description = "allow statements that change the database")
    boolean write;

    @Option(names = "--json", description = "print rows as a JSON array of objects")
    boolean json;

    @Option(names = "--csv", description = "print rows as CSV")
    boolean csv;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        QueryResult r = write ? written() : store.database().openReadOnly().execute(sql, false);
        if (!r.isQuery()) {
            out.println(r.updateCount() + " row(s) changed");
        } else if (json) {
            out.println(r.toJson());
        } else if (csv) {
            out.print(r.toCsv());
        } else {
            out.print(r.toAlignedTable());
        }
        return 0;
    }

    /** Runs the statement as the database's owner (creating and migrating the database like any writing command). */
    private QueryResult written() {
        try (StudyStore db = store.open()) {
            return db.console().execute(sql, true);
        }
    }
}
