package dev.heterolora.studies;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The tests of one part of the store share this: a fresh, migrated in-memory store per test. */
abstract class InMemoryStoreTest {
    StudyStore store;

    @BeforeEach
    void open() {
        store = StudyStore.open("jdbc:h2:mem:");
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
