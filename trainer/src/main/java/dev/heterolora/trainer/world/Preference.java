package dev.heterolora.trainer.world;

import dev.heterolora.core.HeteroloraException;

/**
 * A labelled comparison of two responses to one prompt; a line of {@code pairs.jsonl}.
 *
 * <p>It exists as the common shape of the world's simulated preference labels and of users' own preference data,
 * which is what a reward model is trained on.
 *
 * @param prompt   the prompt both responses answer
 * @param chosen   the preferred response
 * @param rejected the other response
 */
public record Preference(String prompt, String chosen, String rejected) {

    public Preference {
        if (prompt == null || chosen == null || rejected == null) {
            throw new HeteroloraException("a preference needs a prompt, a chosen and a rejected response");
        }
    }
}
