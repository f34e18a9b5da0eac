package dev.heterolora.trainer.world;

import dev.heterolora.core.HeteroloraException;

/**
 * One prompt of the embedded world with its single exact answer.
 *
 * <p>It exists so that the {@link Oracle} can judge any response to the prompt without a model or an opinion:
 * the answer is the only correct one.
 *
 * @param kind   the task family
 * @param prompt what the model is given, e.g. {@code 12+35=}
 * @param answer the exact correct answer, e.g. {@code 47}: non-empty, without a period or surrounding spaces, so
 *               that {@link Oracle#answerPart} of some response can equal it
 */
public record Task(TaskKind kind, String prompt, String answer) {

    public Task {
        if (kind == null || prompt == null || answer == null) {
            throw new HeteroloraException("a task needs a kind, a prompt and an answer");
        }
        if (answer.isEmpty() || !Oracle.answerPart(answer).equals(answer)) {
            throw new HeteroloraException(
                    "task answer must be non-empty, without '.' or surrounding spaces: '" + answer + "'");
        }
    }
}
