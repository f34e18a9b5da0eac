package dev.heterolora.trainer.world;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The model-free part of an embedded world, built from a {@link WorldSpec}: the knowledge base, the training
 * tasks with their demonstrations, the prompts to collect preference pairs for, and the held-out evaluation tasks.
 *
 * <p>It exists so that the data of a world is a pure function of its spec, built in one fixed order of random
 * streams: the same spec gives the same data, byte for byte, on every machine.
 *
 * @param spec              what was built
 * @param knowledge         the knowledge base facts are asked from
 * @param training          the training tasks, one per demonstration
 * @param sft               the demonstrations of {@code training}, in order
 * @param preferencePrompts training-split tasks to sample response pairs for
 * @param eval              held-out tasks: new computed instances and questions about taught facts
 */
public record WorldData(WorldSpec spec, KnowledgeBase knowledge, List<Task> training, List<Demonstration> sft,
                        List<Task> preferencePrompts, List<Task> eval) {

    public WorldData {
        training = List.copyOf(training);
        sft = List.copyOf(sft);
        preferencePrompts = List.copyOf(preferencePrompts);
        eval = List.copyOf(eval);
    }

    /** Builds the data of {@code spec}. */
    public static WorldData generate(WorldSpec spec) {
        SplittableRandom root = new SplittableRandom(spec.seed());
        KnowledgeBase knowledge = KnowledgeBase.generate(root.nextLong(), spec.entities());
        TaskGenerator tasks = new TaskGenerator(knowledge, root.nextLong());
        List<Task> training = tasks.training(root.split(), spec.sftDemos(), spec.mix());
        List<Demonstration> sft = Demonstrations.defaults(knowledge).demonstrate(training, root.split());
        List<Task> preferencePrompts = tasks.training(root.split(), spec.pairs(), spec.mix());
        List<Task> eval = tasks.heldOut(root.split(), spec.evalPrompts(), spec.evalFacts(), spec.mix(), training);
        return new WorldData(spec, knowledge, training, sft, preferencePrompts, eval);
    }

    /** Writes {@link WorldFiles#SFT} and {@link WorldFiles#EVAL} into {@code dir}. */
    public void write(Path dir) {
        WorldFiles.writeSft(dir.resolve(WorldFiles.SFT), sft);
        WorldFiles.writeEval(dir.resolve(WorldFiles.EVAL), eval);
    }
}
