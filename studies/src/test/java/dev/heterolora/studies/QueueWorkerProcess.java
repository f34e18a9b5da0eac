package dev.heterolora.studies;

import java.time.Duration;

/**
 * A worker in another JVM for {@link WorkQueueProcessTest}: opens the store at {@code args[0]} and drains queue
 * {@code args[1]} as worker {@code args[2]} with a lease of {@code args[3]} ms, spending {@code args[4]} ms on each
 * unit. Prints {@code CLAIMED <key>} when it starts a unit and {@code DONE <count>} at the end.
 */
public final class QueueWorkerProcess {
    private QueueWorkerProcess() {}

    /** Runs the worker described on the class. */
    public static void main(String[] args) throws Exception {
        String name = args[2];
        long work = Long.parseLong(args[4]);
        try (StudyStore store = StudyStore.open(args[0])) {
            int done = new Worker(store.workQueue(), name, Duration.ofMillis(Long.parseLong(args[3])))
                    .drain(args[1], unit -> {
                        System.out.println("CLAIMED " + unit.key());
                        System.out.flush();
                        try {
                            Thread.sleep(work);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return "{\"by\":\"" + name + "\"}";
                    });
            System.out.println("DONE " + done);
        }
    }
}
