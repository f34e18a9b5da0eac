package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.app.Json;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heterolora studies}: every study in the database, newest last, with its name, status, best and age. */
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
        Instant now = Instant.now();
        try (StudyStore db = store.open()) {
            List<Study> studies = db.studies();
            if (json) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (Study s : studies) {
                    ObjectNode o = arr.addObject().put("id", s.id()).put("name", s.name())
                            .put("status", s.status().text()).put("strategy", s.strategy()).put("budget", s.budgetText())
                            .put("budget_limit", s.budgetLimit()).put("seed", s.seed())
                            .put("trials", db.trialCount(s.id())).put("model", s.modelPath())
                            .put("created", s.createdAt().toString());
                    OptionalDouble best = bestFitness(db, s);
                    if (best.isPresent()) {
                        o.put("best_fitness", best.getAsDouble());
                    } else {
                        o.putNull("best_fitness");
                    }
                }
                out.println(arr);
                return 0;
            }
            if (studies.isEmpty()) {
                out.println("no studies yet (run `heterolora search`)");
                return 0;
            }
            out.printf("%4s  %-24s %-11s %12s %7s  %-8s %-8s  %s%n", "id", "name", "status", "best", "trials",
                    "strategy", "budget", "age");
            for (Study s : studies) {
                OptionalDouble best = bestFitness(db, s);
                out.printf("%4d  %-24s %-11s %12s %7d  %-8s %-8s  %s%n", s.id(), s.name() == null ? "-" : s.name(),
                        s.status(), best.isPresent() ? String.format("%.6g", best.getAsDouble()) : "-",
                        db.trialCount(s.id()), s.strategy(), s.budgetText(), age(s.createdAt(), now));
            }
        }
        return 0;
    }

    private static OptionalDouble bestFitness(StudyStore db, Study s) {
        return db.bestTrial(s.id()).map(Trial::fitness).filter(Double::isFinite)
                .map(OptionalDouble::of).orElse(OptionalDouble.empty());
    }

    /** How long ago, in the largest whole unit: {@code 42 s ago}, {@code 3 min ago}, {@code 5 h ago}, {@code 2 days ago}. */
    static String age(Instant then, Instant now) {
        long s = Math.max(0, Duration.between(then, now).toSeconds());
        if (s < 60) {
            return s + " s ago";
        }
        if (s < 3600) {
            return s / 60 + " min ago";
        }
        if (s < 48 * 3600) {
            return s / 3600 + " h ago";
        }
        return s / 86400 + " days ago";
    }
}
