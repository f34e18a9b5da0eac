package dev.heterolora.trainer.world;

import dev.heterolora.core.HeteroloraException;

/**
 * The sizes and seed of an embedded world.
 *
 * <p>It exists so that a world is fully described by one small value: the same spec always builds the same world.
 *
 * @param seed        the seed everything is derived from
 * @param entities    entities in the knowledge base (three facts each)
 * @param sftDemos    SFT demonstrations, one per training task
 * @param pairs       training prompts to collect preference pairs for
 * @param evalPrompts held-out evaluation prompts
 * @param evalFacts   how many of the evaluation prompts are fact questions (all about taught facts)
 * @param mix         the task mix of the training tasks, and (without facts) of the computed evaluation prompts
 */
public record WorldSpec(long seed, int entities, int sftDemos, int pairs, int evalPrompts, int evalFacts, TaskMix mix) {

    /** Seed of the default world. */
    public static final long DEFAULT_SEED = 7;

    public WorldSpec {
        if (sftDemos < 1 || pairs < 1 || evalPrompts < 1) {
            throw new HeteroloraException("world sizes must be positive: " + sftDemos + " demonstrations, "
                    + pairs + " pairs, " + evalPrompts + " evaluation prompts");
        }
        if (evalFacts < 0 || evalFacts > evalPrompts) {
            throw new HeteroloraException(
                    "evaluation fact questions must be between 0 and " + evalPrompts + ", got " + evalFacts);
        }
        if (mix == null) {
            throw new HeteroloraException("a world needs a task mix");
        }
    }

    /** The world the tool builds by default: sized for a ~1M-parameter model trained on 2 CPU cores. */
    public static WorldSpec defaults() {
        return new WorldSpec(DEFAULT_SEED, 200, 6000, 3000, 400, 120, TaskMix.defaults());
    }

    /** A world small enough to build in tests within seconds (its policy answers nothing right yet). */
    public static WorldSpec tiny() {
        return new WorldSpec(DEFAULT_SEED, 20, 400, 100, 60, 20, TaskMix.defaults());
    }

    /**
     * A world where RLHF has something to learn within seconds of PPO: an SFT policy that is right some of the time
     * and a reward model trained on enough pairs to agree with the oracle (about 40 s to build on 2 cores).
     */
    public static WorldSpec small() {
        return new WorldSpec(DEFAULT_SEED, 20, 900, 800, 100, 30, TaskMix.defaults());
    }

    /** This spec with another seed. */
    public WorldSpec withSeed(long newSeed) {
        return new WorldSpec(newSeed, entities, sftDemos, pairs, evalPrompts, evalFacts, mix);
    }
}
