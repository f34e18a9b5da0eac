package dev.heterolora.studies;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.h2.tools.Server;

/**
 * Not a test: units per second through the {@link WorkQueue} with 1, 4 and 8 workers (each its own store and
 * connection, as separate processes would have; zero work per unit, so this is the queue's own cost: claim, complete)
 * on an H2 TCP server and on the tests' embedded PostgreSQL. Prints a table, or JSON lines with {@code --json}.
 */
final class QueueBench {
    private QueueBench() {}

    public static void main(String[] args) throws Exception {
        boolean json = List.of(args).contains("--json");
        int units = 2000;
        Path dir = Files.createTempDirectory("queue-bench");
        Server server = Server.createTcpServer("-tcpPort", "0", "-baseDir", dir.toString(), "-ifNotExists").start();
        if (!json) {
            System.out.printf("%-12s %8s %8s %10s %10s%n", "backend", "workers", "units", "seconds", "units/s");
        }
        for (String backend : List.of("h2-server", "postgresql")) {
            for (int workers : new int[] {1, 4, 8}) {
                String url = backend.equals("h2-server") ? "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/q"
                        + workers + ";USER=o;PASSWORD=pw" : TestPostgres.newDatabase();
                try (StudyStore setup = StudyStore.open(url)) {
                    setup.workQueue().enqueue("bench", IntStream.range(0, units)
                            .mapToObj(i -> new NewUnit("u" + i, "{}")).toList());
                }
                List<StudyStore> stores = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    stores.add(StudyStore.open(url));
                }
                ExecutorService pool = Executors.newFixedThreadPool(workers);
                long start = System.nanoTime();
                List<Future<Integer>> done = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    StudyStore s = stores.get(w);
                    String name = "w" + w;
                    done.add(pool.submit(() -> new Worker(s.workQueue(), name, Duration.ofSeconds(30))
                            .drain("bench", unit -> "{}")));
                }
                int total = 0;
                for (Future<Integer> f : done) {
                    total += f.get();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                pool.shutdown();
                stores.forEach(StudyStore::close);
                if (json) {
                    System.out.printf("{\"bench\":\"queue\",\"backend\":\"%s\",\"workers\":%d,\"units\":%d,"
                            + "\"seconds\":%.3f,\"units_per_second\":%.1f}%n", backend, workers, total, seconds,
                            total / seconds);
                } else {
                    System.out.printf("%-12s %8d %8d %10.2f %10.0f%n", backend, workers, total, seconds,
                            total / seconds);
                }
            }
        }
        server.stop();
        System.exit(0);
    }
}
