package dev.heterolora.studies;

/**
 * A study owner in another JVM for {@link StaleHeartbeatTest}: opens the store at {@code args[0]}, creates a running
 * study and a running run named {@code args[1]}, keeps both alive with {@link Heartbeat}s, prints
 * {@code OWNING <studyId> <runId>} and waits to be killed.
 */
public final class StaleOwnerProcess {
    private StaleOwnerProcess() {}

    /** Runs the owner described on the class. */
    public static void main(String[] args) throws Exception {
        StudyStore store = StudyStore.open(args[0]);
        long study = store.createStudy(Fixtures.study(args[1]));
        long run = store.createRun(study, null, "ppo", "{}", null);
        Heartbeat.ofStudy(store, study);
        Heartbeat.ofRun(store, run);
        System.out.println("OWNING " + study + " " + run);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
