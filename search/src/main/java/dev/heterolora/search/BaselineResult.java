package dev.heterolora.search;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What one {@link Baseline} scored next to a search, or why it has no score: a rule whose smallest plan exceeds
 * the budget says so with the parameters it would need instead of silently shrinking or disappearing. A closed set
 * of two outcomes, so a sealed interface.
 */
public sealed interface BaselineResult {

    /** The baseline this is the result of. */
    Baseline baseline();

    /** Whether the baseline's plan fits the budget (and so has a fitness). */
    boolean fits();

    /**
     * JSON form: {@code {"name":"peft-default","fits":true,"params":…,"fitness":…}} or
     * {@code {"name":"all-linear","fits":false,"needs_params":…}}.
     */
    ObjectNode toJson();

    /**
     * A baseline that fits, with its fitness.
     *
     * @param parameters trainable parameters of its plan (random: the mean over its plans, rounded)
     * @param fitness    its plan's fitness (random: the mean over its plans)
     */
    record Scored(Baseline baseline, long parameters, double fitness) implements BaselineResult {
        @Override
        public boolean fits() {
            return true;
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("name", baseline.id()).put("fits", true).put("params", parameters).put("fitness", fitness);
            return o;
        }
    }

    /**
     * A baseline whose smallest plan exceeds the budget; known without any fitness.
     *
     * @param needsParameters trainable parameters of the rule's smallest plan
     * @param message         one line saying so, e.g. {@code no all-linear plan fits the budget of 1000 parameters:
     *                        rank 1 on all 14 projection sites needs 1536}
     */
    record DoesNotFit(Baseline baseline, long needsParameters, String message) implements BaselineResult {
        @Override
        public boolean fits() {
            return false;
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("name", baseline.id()).put("fits", false).put("needs_params", needsParameters);
            return o;
        }
    }
}
