package dev.heterolora.dashboard;

import dev.heterolora.results.GenerationSummary;
import dev.heterolora.studies.NewStudy;
import dev.heterolora.studies.NewTrial;
import dev.heterolora.studies.NewValidation;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyDatabase;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import dev.heterolora.studies.ValidationCorrelation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A data directory whose study database is a scratch copy of the recorded one ({@code recorded.mv.db}: a GA study of
 * 112 trials over 9 generations on llama-tiny), opened once as its owner (migrated, given its passwords file) and
 * completed with what the dashboard shows beside a search: a PPO run with metrics and a
 * checkpoint, a validation run with correlations, an {@code experiment-rlhf} and an {@code experiment-allocation}
 * table, a uniform baseline study at the same budget, a study with a hostile name, and units of work.
 */
final class RecordedDatabase {
    /** The recorded study. */
    static final long STUDY = 1;
    /** A name that would run script if any page put it into the DOM as markup. */
    static final String HOSTILE = "<script>window.hacked=1</script><img src=x onerror=\"window.hacked=2\">";
    static final int PPO_STEPS = 30;

    final Path home;
    final long bestTrial;
    /** The search history and the ten best trials as the store and the static report compute them. */
    final List<GenerationSummary> history;
    final List<Long> topTen;
    final long ppoRun;
    final long validationRun;
    final long rlhfExperiment;
    final long allocationExperiment;
    /** The baselines run the search stored with the recorded study. */
    final long baselinesRun;
    final long baselineStudy;
    final long hostileStudy;
    final int units;

    /** Copies the recorded database into the data directory {@code dir} and adds what is described above. */
    RecordedDatabase(Path dir) {
        home = dir;
        try (InputStream in = RecordedDatabase.class.getResourceAsStream("/studies/recorded.mv.db")) {
            Files.copy(in, dir.resolve("studies.mv.db"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (StudyStore store = database().open()) {
            Study study = store.study(STUDY).orElseThrow();
            Trial best = store.bestTrial(STUDY).orElseThrow();
            bestTrial = best.id();
            history = GenerationSummary.of(store.trials(STUDY));
            topTen = store.topTrials(STUDY, 10).stream().map(Trial::id).toList();
            ppoRun = ppo(store, dir, best);
            validationRun = validation(store, store.topTrials(STUDY, 6));
            rlhfExperiment = store.createRun(null, null, "experiment-rlhf", """
                    [{"variant":"full fine-tune / kl","trainable":996864,"win_rate":0.724,"reward":-0.304,"runs":[3,4]},
                     {"variant":"LoRA r8 / kl","trainable":90112,"win_rate":0.748,"reward":-0.242,"runs":[5,6]}]""", null);
            store.finishRun(rlhfExperiment, Status.FINISHED, null);
            allocationExperiment = store.createRun(null, null, "experiment-allocation", """
                    {"name":"allocation","reference":"peft-default","steps":300,"seeds":3,"budgets":["1%"],"table":[
                     {"budget":"1%","method":"peft-default","params":9216,
                      "loss":{"mean":1.52,"ci_low":1.49,"ci_high":1.55,"n":3},
                      "accuracy":{"mean":0.41,"ci_low":0.38,"ci_high":0.44,"n":3},
                      "accuracy_by_kind":{"facts":{"mean":0.5,"ci_low":0.45,"ci_high":0.55,"n":3}},
                      "loss_vs_reference":{"mean":0.0,"ci_low":0.0,"ci_high":0.0,"n":3}},
                     {"budget":"1%","method":"ga-snip","params":9184,
                      "loss":{"mean":1.47,"ci_low":1.45,"ci_high":1.5,"n":3},
                      "accuracy":{"mean":0.45,"ci_low":0.42,"ci_high":0.48,"n":3},
                      "accuracy_by_kind":{"facts":{"mean":0.56,"ci_low":0.5,"ci_high":0.62,"n":3}},
                      "loss_vs_reference":{"mean":-0.05,"ci_low":-0.08,"ci_high":-0.02,"n":3}}]}""", null);
            store.finishRun(allocationExperiment, Status.FINISHED, null);
            // the baselines the search scored, as SearchJob stores them with the study
            baselinesRun = store.createRun(STUDY, null, "baselines", """
                    {"baselines":[{"name":"peft-default","fits":true,"params":512,"fitness":0.002,
                      "plan":{"sites":{"0.q":1,"0.v":1,"1.q":1,"1.v":1}}},
                     {"name":"random","fits":true,"params":3000,"fitness":0.001}]}""", null);
            store.finishRun(baselinesRun, Status.FINISHED, null);
            baselineStudy = store.createStudy(new NewStudy("uniform baseline", 11, "uniform", study.budgetText(),
                    study.budgetLimit(), study.baseParams(), study.modelPath(), study.modelHash(), study.configJson(),
                    study.searchSpaceJson()));
            store.recordTrial(new NewTrial(baselineStudy, 0, 0, uniformPlan(), 2880, true, 0.0031,
                    Map.of("snip", 0.0031), 0.01));
            store.setStatus(baselineStudy, Status.FINISHED);
            hostileStudy = store.createStudy(new NewStudy(HOSTILE, 1, "random", "1%", 1000, study.baseParams(), null,
                    null, "{}", "{\"sites\":[]}"));
            units = units(store);
        }
    }

    /** The data directory's database (through its H2 server while one runs). */
    StudyDatabase database() {
        return StudyDatabase.inHome(home);
    }

    private static long ppo(StudyStore store, Path dir, Trial best) {
        Path out = dir.resolve("ppo-run");
        try {
            Files.createDirectories(out.resolve("checkpoint"));
            Files.writeString(out.resolve("checkpoint").resolve("step.txt"), "29");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long run = store.createRun(STUDY, best.id(), "ppo", "{\"steps\":30,\"regulariser\":\"kl\"}", out.toString());
        for (int step = 0; step < PPO_STEPS; step++) {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("reward_mean", -0.7 + 0.02 * step);
            values.put("kl", 0.001 * step * step);
            values.put("policy_loss", 1.0 / (1 + step));
            values.put("value_loss", 0.5 / (1 + step));
            values.put("entropy", 2.0 - 0.01 * step);
            values.put("beta", 0.02);
            if (step % 10 == 9) {
                values.put("win_rate", 0.5 + 0.01 * step);
            }
            store.recordMetrics(run, step, values);
        }
        store.finishRun(run, Status.FINISHED, "done, 30 steps");
        return run;
    }

    private static long validation(StudyStore store, List<Trial> trials) {
        long run = store.createRun(STUDY, null, "validate", "{\"sample\":6}", null);
        for (int i = 0; i < trials.size(); i++) {
            Trial t = trials.get(i);
            store.recordValidation(new NewValidation(run, t.id(), "trial " + t.id(), t.planJson(), t.params(),
                    1.5 - 0.01 * i, 0.4 + 0.01 * i, 2.0));
        }
        store.recordValidation(new NewValidation(run, null, "uniform r=1", uniformPlan(), 2880, 1.52, 0.39, 2.0,
                Map.of("snip", 0.0031, "gradnorm", 0.15)));
        for (String proxy : List.of("snip", "gradnorm")) {
            store.recordCorrelation(new ValidationCorrelation(run, proxy, ValidationCorrelation.TRAINED_LOSS, 0.6, 0.45,
                    0.1, 0.9, 0.05, 0.8, 0.01, trials.size() + 1));
        }
        store.finishRun(run, Status.FINISHED, null);
        return run;
    }

    /** Units of work in two queues, when the schema has the work queue (version 4 on); the count added. */
    private static int units(StudyStore store) {
        if (store.console().execute("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE LOWER(TABLE_NAME) = "
                + "'work_unit'", false).rows().get(0).get(0).toString().equals("0")) {
            return 0;
        }
        store.console().execute("INSERT INTO work_unit (queue, unit_key, payload_json, status, attempts, worker) VALUES "
                + "('validate-1', 'plan-1', '{}', 'finished', 1, 'host-a'), "
                + "('validate-1', 'plan-2', '{}', 'running', 1, 'host-b'), "
                + "('validate-1', 'plan-3', '{}', 'queued', 0, NULL), "
                + "('allocation', 'cell-1', '{}', 'failed', 3, 'host-a')", true);
        return 4;
    }

    private static String uniformPlan() {
        StringBuilder b = new StringBuilder("{\"sites\":{");
        for (int layer = 0; layer < 2; layer++) {
            for (String kind : List.of("q", "k", "v", "o", "gate", "up", "down")) {
                b.append(b.length() > 10 ? "," : "").append('"').append(layer).append('.').append(kind).append("\":1");
            }
        }
        return b.append("}}").toString();
    }
}
