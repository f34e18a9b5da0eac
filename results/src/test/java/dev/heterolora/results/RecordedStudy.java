package dev.heterolora.results;

import dev.heterolora.studies.NewStudy;
import dev.heterolora.studies.NewTrial;
import dev.heterolora.studies.NewValidation;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.ValidationCorrelation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small recorded study built through the StudyStore API, as a search, a validation and a PPO run would leave it:
 * 4 layers × 11 site kinds, 4 generations of 6 trials with proxy scores (one trial with a non-finite fitness, one
 * infeasible), three Pareto trials, a validation run of 6 trials plus the uniform baseline with stored correlations,
 * and two PPO runs (one with reward, KL and win-rate, one with reward only).
 */
final class RecordedStudy {
    static final int LAYERS = 4;
    static final List<String> KINDS = List.of("q", "k", "v", "o", "gate", "up", "down", "residual_attn", "residual_ffn",
            "cross_sublayer", "cross_layer");
    static final int[] RANKS = {0, 1, 2, 4, 8};
    static final int HIDDEN = 64;
    static final List<String> PROXIES = List.of("gradnorm", "params", "snip");

    final long studyId;
    final List<Long> trialIds = new ArrayList<>();
    final List<Long> paretoIds;
    final long validationRunId;
    final long ppoRunId;
    final long rewardOnlyRunId;
    final int trialCount;
    final int metricCount;

    RecordedStudy(StudyStore store) {
        studyId = store.createStudy(new NewStudy("report, \"fixture\" <study>", 7L, "nsga2", "0.5%", 40_000L, 8_000_000L,
                null, null, "{\"population\":6,\"generations\":4,\"proxy\":\"snip\"}", searchSpaceJson()));
        SplittableRandom random = new SplittableRandom(11);
        int seq = 0;
        for (int generation = 0; generation < 4; generation++) {
            for (int i = 0; i < 6; i++) {
                Map<String, Integer> plan = randomPlan(random, generation);
                long params = plan.values().stream().mapToLong(r -> 2L * r * HIDDEN).sum();
                double snip = plan.entrySet().stream().mapToDouble(e -> e.getValue() * (1 + PlanAllocation.layerOf(e.getKey()))).sum();
                double fitness = seq == 5 ? Double.NaN : snip / 10 + 0.05 * random.nextDouble();
                boolean feasible = seq != 9;
                Map<String, Double> scores = Map.of("snip", snip, "gradnorm", Math.sqrt(snip) + random.nextDouble(),
                        "params", (double) params);
                trialIds.add(store.recordTrial(new NewTrial(studyId, seq, generation, planJson(plan), params, feasible,
                        fitness, scores, 0.01 * (1 + i))));
                seq++;
            }
        }
        trialCount = seq;
        paretoIds = List.of(trialIds.get(3), trialIds.get(14), trialIds.get(22));
        store.markPareto(studyId, paretoIds);
        store.setStatus(studyId, Status.FINISHED);

        validationRunId = store.createRun(studyId, null, "validate", "{\"sample\":6,\"steps\":20}", null);
        List<Double> snips = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        List<Double> params = new ArrayList<>();
        List<Double> gradnorms = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            long trialId = trialIds.get(k * 4);
            var trial = store.trials(studyId).get(k * 4);
            double loss = 2.0 - 0.01 * trial.proxyScores().get("snip") + 0.02 * k;
            store.recordValidation(new NewValidation(validationRunId, trialId, "trial " + trialId, trial.planJson(),
                    trial.params(), loss, 0.4 + 0.01 * k, 1.5));
            snips.add(trial.proxyScores().get("snip"));
            gradnorms.add(trial.proxyScores().get("gradnorm"));
            params.add((double) trial.params());
            losses.add(loss);
        }
        store.recordValidation(new NewValidation(validationRunId, null, "uniform r=1", "{\"sites\":{\"0.q\":1,\"1.q\":1}}",
                2L * 2 * HIDDEN, 1.99, 0.41, 1.2, Map.of("snip", 3.0, "gradnorm", 1.7, "params", 256.0)));
        snips.add(3.0);
        gradnorms.add(1.7);
        params.add(256.0);
        losses.add(1.99);
        double[] loss = losses.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, double[]> proxyValues = new LinkedHashMap<>();
        proxyValues.put("snip", snips.stream().mapToDouble(Double::doubleValue).toArray());
        proxyValues.put("gradnorm", gradnorms.stream().mapToDouble(Double::doubleValue).toArray());
        proxyValues.put("params", params.stream().mapToDouble(Double::doubleValue).toArray());
        proxyValues.forEach((proxy, x) -> store.recordCorrelation(Correlation.of(x, loss, false, 3L, 500)
                .toRecord(validationRunId, proxy, ValidationCorrelation.TRAINED_LOSS)));
        store.finishRun(validationRunId, Status.FINISHED, null);

        ppoRunId = store.createRun(studyId, trialIds.get(14), "ppo", "{\"steps\":20}", "/tmp/out");
        int metrics = 0;
        for (int step = 0; step < 20; step++) {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("reward_mean", step == 7 ? Double.NaN : 0.1 * step);
            values.put("kl", 0.01 * step * step / 20);
            values.put("policy_loss", 1.0 / (1 + step));
            if (step % 5 == 4) {
                values.put("win_rate", 0.4 + 0.02 * step);
            }
            store.recordMetrics(ppoRunId, step, values);
            metrics += values.size();
        }
        store.finishRun(ppoRunId, Status.FINISHED, "done, 20 steps");
        rewardOnlyRunId = store.createRun(studyId, null, "ppo", "{}", null);
        for (int step = 0; step < 5; step++) {
            store.recordMetrics(rewardOnlyRunId, step, Map.of("reward_mean", 0.05 * step));
            metrics++;
        }
        metricCount = metrics;
    }

    static StudyStore open(Path dir) {
        return StudyStore.open("jdbc:h2:file:" + dir.resolve("studies").toAbsolutePath());
    }

    private static Map<String, Integer> randomPlan(SplittableRandom random, int generation) {
        Map<String, Integer> plan = new LinkedHashMap<>();
        for (int layer = 0; layer < LAYERS; layer++) {
            for (String kind : KINDS) {
                if (kind.equals("cross_layer") && layer == 0) {
                    continue;
                }
                int rank = RANKS[random.nextInt(RANKS.length)];
                if (rank > 0 && random.nextInt(3 + generation) < 2) {
                    plan.put(layer + "." + kind, rank);
                }
            }
        }
        return plan;
    }

    static String planJson(Map<String, Integer> plan) {
        StringBuilder b = new StringBuilder("{\"sites\":{");
        plan.forEach((site, rank) -> b.append(b.length() > 10 ? "," : "").append('"').append(site)
                .append("\":{\"rank\":").append(rank).append(",\"alpha\":").append(2.0 * rank).append('}'));
        return b.append("}}").toString();
    }

    static String searchSpaceJson() {
        StringBuilder b = new StringBuilder("{\"options\":{\"kinds\":[]},\"budget\":40000,\"sites\":[");
        boolean first = true;
        for (int layer = 0; layer < LAYERS; layer++) {
            for (String kind : KINDS) {
                if (kind.equals("cross_layer") && layer == 0) {
                    continue;
                }
                b.append(first ? "" : ",").append("{\"site\":\"").append(layer).append('.').append(kind)
                        .append("\",\"ranks\":[0,1,2,4,8]}");
                first = false;
            }
        }
        return b.append("]}").toString();
    }
}
