package dev.heterolora.studies;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The dashboard's way to {@link StudyDatabase#readerConnection()}: a connection as the SELECT-only {@code HL_READER}
 * (on an H2 file, a read-only one) that the dashboard keeps open and queries with bound parameters. It sits in this
 * package only because that method is package-private; once {@code studies} makes it public, this class goes and
 * the dashboard calls it directly.
 */
public final class DashboardReader {
    private DashboardReader() {}

    /** A new read-only connection to {@code database}; it creates and migrates nothing. */
    public static Connection open(StudyDatabase database) throws SQLException {
        return database.readerConnection();
    }
}
