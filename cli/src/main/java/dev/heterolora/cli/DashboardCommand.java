package dev.heterolora.cli;

import dev.heterolora.dashboard.Dashboard;
import dev.heterolora.studies.StudyDatabase;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heterolora dashboard}: serves the read-only live web view of the study database until Ctrl-C. */
@Command(name = "dashboard", description = "Serve a read-only live web view of the studies, runs, experiments and the "
        + "work queue (to watch a search or a run in progress, share the database with 'heterolora server start').")
final class DashboardCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "TCP port (default: 8080)")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "address to listen on (default: 127.0.0.1, this machine only)")
    String host;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        // the data directory's database goes through its H2 server while one runs, so the page follows other processes
        StudyDatabase database = store.db != null ? StudyDatabase.at(store.db) : StudyDatabase.inHome(store.home());
        Dashboard dashboard = Dashboard.start(host, port, database);
        Runtime.getRuntime().addShutdownHook(new Thread(dashboard::close, "dashboard-stop"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("heterolora dashboard on " + dashboard.url() + " (Ctrl-C stops it)");
        out.flush();
        dashboard.awaitClose();
        return 0;
    }
}
