package dev.heterolora.studies;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The tests of one part of the store share this: a fresh, migrated store per test, on each {@link Backend} (every
 * test runs once on an in-memory H2 database and once on a new PostgreSQL database).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Backend.class)
abstract class InMemoryStoreTest {
    @Parameter
    Backend backend;
    StudyStore store;
    /** The URL the store was opened with. */
    String url;

    @BeforeEach
    void open() {
        url = backend.newDatabase();
        store = StudyStore.open(url);
    }

    @AfterEach
    void close() {
        store.close();
    }

    /** A statement through the console with writes allowed, as a user's {@code heterolora sql --write} would run it. */
    QueryResult sql(String statement) {
        return store.console().execute(statement, true);
    }
}
