package dev.heterolora.proxies;

import dev.heterolora.core.HeteroloraException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** The seeded minibatches the proxies are computed from: a fixed sample of the data, the same on every re-score. */
public final class ProxyBatches {
    private ProxyBatches() {}

    /** {@code count} batches of {@code size} rows drawn without replacement (with wrap-around) in seeded order. */
    public static List<List<int[]>> select(List<int[]> rows, int count, int size, long seed) {
        if (rows.isEmpty()) {
            throw new HeteroloraException("no data rows to compute proxies from");
        }
        if (count < 1 || size < 1) {
            throw new HeteroloraException("proxy batches and batch size must be >= 1");
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        List<List<int[]>> out = new ArrayList<>();
        int at = 0;
        for (int b = 0; b < count; b++) {
            List<int[]> batch = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                batch.add(rows.get(order.get(at++ % order.size())));
            }
            out.add(batch);
        }
        return out;
    }
}
