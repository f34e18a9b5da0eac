package dev.heterolora.trainer.world;

import dev.heterolora.core.HeteroloraException;

/**
 * One supervised fine-tuning example: a prompt and the response to imitate; a line of {@code sft.jsonl}.
 *
 * <p>It exists as the common shape of the world's demonstrations and of users' own SFT data.
 *
 * @param prompt   the model input
 * @param response the continuation to learn
 */
public record Demonstration(String prompt, String response) {

    public Demonstration {
        if (prompt == null || response == null) {
            throw new HeteroloraException("a demonstration needs a prompt and a response");
        }
    }
}
