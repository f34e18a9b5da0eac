package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One evaluated plan as the search reported it to its {@link TrialSink} (minus the wall time): what a study stores
 * per trial and what replays and resumes are fed back.
 */
public record TrialRecord(int seq, int generation, AdapterPlan plan, long parameters, boolean feasible,
                          Evaluation evaluation) {

    /**
     * Plan → evaluation over stored trials, for answering fitness from them.
     *
     * @throws HeteroloraException if one plan was stored twice with different evaluations
     */
    static Map<AdapterPlan, Evaluation> index(List<TrialRecord> trials) {
        Map<AdapterPlan, Evaluation> byPlan = new HashMap<>();
        for (TrialRecord t : trials) {
            Evaluation before = byPlan.putIfAbsent(t.plan(), t.evaluation());
            if (before != null && !before.equals(t.evaluation())) {
                throw new HeteroloraException("stored trial #" + t.seq() + " repeats the plan of an earlier trial with"
                        + " a different evaluation");
            }
        }
        return byPlan;
    }
}
