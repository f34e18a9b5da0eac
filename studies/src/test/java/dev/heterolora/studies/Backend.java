package dev.heterolora.studies;

/** The databases the storage tests run against: each test class that extends {@link InMemoryStoreTest} runs on both. */
enum Backend {
    /** An in-memory H2 database. */
    H2 {
        @Override
        String newDatabase() {
            return "jdbc:h2:mem:";
        }
    },
    /** A fresh database on the tests' embedded PostgreSQL ({@link TestPostgres}). */
    POSTGRESQL {
        @Override
        String newDatabase() {
            return TestPostgres.newDatabase();
        }
    };

    /** The URL of a new, empty database. */
    abstract String newDatabase();
}
