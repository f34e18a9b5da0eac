package dev.heterolora.dashboard;

import dev.heterolora.core.HeteroloraException;

import java.util.List;

/**
 * Which slice of a long list a request wants, with the bound every list endpoint keeps: a study of 100k trials is
 * read a page at a time, never whole.
 *
 * @param offset rows to skip, ≥ 0
 * @param limit  rows to return, 1 to {@link #MAX_LIMIT}
 */
record Paging(int offset, int limit) {
    /** The largest page any endpoint returns. */
    static final int MAX_LIMIT = 500;
    /** The page size when a request names none. */
    static final int DEFAULT_LIMIT = 50;

    /** Rejects an offset or limit out of range. */
    Paging {
        if (offset < 0 || limit < 1 || limit > MAX_LIMIT) {
            throw new HeteroloraException("offset must be ≥ 0 and limit between 1 and " + MAX_LIMIT + " (got offset "
                    + offset + ", limit " + limit + ")");
        }
    }

    /**
     * The paging of a request's {@code offset} and {@code limit} query parameters ({@code null} when absent).
     *
     * @throws HeteroloraException (one line) for a value that is not a number or is out of range
     */
    static Paging of(String offset, String limit) {
        return new Paging(Params.integer("offset", offset, 0), Params.integer("limit", limit, DEFAULT_LIMIT));
    }

    /** A page of a list: the slice and how long the whole list is. */
    record Page<T>(long total, int offset, int limit, List<T> items) {}

    /** This slice of a list of {@code total} items. */
    <T> Page<T> page(long total, List<T> items) {
        return new Page<>(total, offset, limit, items);
    }
}
