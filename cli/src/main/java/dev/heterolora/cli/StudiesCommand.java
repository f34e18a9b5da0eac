package dev.heterolora.cli;

import dev.heterolora.studies.Status;

import dev.heterolora.app.Json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heterolora studies}: every study in the database, newest last. */
@Command(name = "studies", description = "List the studies in the database.")
final class StudiesCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        try (StudyStore db = store.open()) {
            List<Study> studies = db.studies();
            if (json) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (Study s : studies) {
                    arr.addObject().put("id", s.id()).put("name", s.name()).put("status", s.status().text())
                            .put("strategy", s.strategy()).put("budget", s.budgetText())
                            .put("budget_limit", s.budgetLimit()).put("seed", s.seed())
                            .put("trials", db.trialCount(s.id())).put("model", s.modelPath())
                            .put("created", s.createdAt().toString());
                }
                out.println(arr);
                return 0;
            }
            if (studies.isEmpty()) {
                out.println("no studies yet (run `heterolora search`)");
                return 0;
            }
            out.printf("%4s  %-24s %-11s %-8s %-10s %7s  %s%n", "id", "name", "status", "strategy", "budget", "trials",
                    "created");
            for (Study s : studies) {
                out.printf("%4d  %-24s %-11s %-8s %-10s %7d  %s%n", s.id(), s.name(), s.status(), s.strategy(),
                        s.budgetText(), db.trialCount(s.id()), s.createdAt());
            }
        }
        return 0;
    }
}
