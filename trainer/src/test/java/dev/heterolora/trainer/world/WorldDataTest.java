package dev.heterolora.trainer.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorldDataTest {

    @TempDir
    Path dir;

    private static List<Preference> label(WorldData world, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Demonstrations policy = Demonstrations.defaults(world.knowledge());
        List<Preference> pairs = new ArrayList<>();
        for (Task task : world.preferencePrompts()) {
            pairs.add(Annotator.defaults().label(task, policy.demonstrate(task, rng).response(),
                    policy.demonstrate(task, rng).response(), rng));
        }
        return pairs;
    }

    private byte[][] build(WorldSpec spec, String name) throws IOException {
        WorldData world = WorldData.generate(spec);
        Path out = dir.resolve(name);
        world.write(out);
        WorldFiles.writePairs(out.resolve(WorldFiles.PAIRS), label(world, spec.seed()));
        return new byte[][] {Files.readAllBytes(out.resolve(WorldFiles.SFT)),
            Files.readAllBytes(out.resolve(WorldFiles.EVAL)), Files.readAllBytes(out.resolve(WorldFiles.PAIRS))};
    }

    @Test
    void sameSpecSameBytesOtherSeedOtherBytes() throws IOException {
        byte[][] first = build(WorldSpec.tiny(), "a");
        byte[][] again = build(WorldSpec.tiny(), "b");
        byte[][] other = build(WorldSpec.tiny().withSeed(8), "c");
        for (int i = 0; i < first.length; i++) {
            assertThat(again[i]).isEqualTo(first[i]);
            assertThat(other[i]).isNotEqualTo(first[i]);
        }
    }

    @Test
    void hasTheSpecifiedSizesAndItsEvaluationFactsWereTaught() {
        WorldSpec spec = WorldSpec.tiny();
        WorldData world = WorldData.generate(spec);
        assertThat(world.knowledge().entities()).hasSize(spec.entities());
        assertThat(world.training()).hasSize(spec.sftDemos());
        assertThat(world.sft()).hasSize(spec.sftDemos());
        assertThat(world.preferencePrompts()).hasSize(spec.pairs());
        assertThat(world.eval()).hasSize(spec.evalPrompts());
        Set<String> taught = world.sft().stream().map(Demonstration::prompt).collect(Collectors.toSet());
        assertThat(world.eval().stream().filter(t -> t.kind() == TaskKind.FACT))
                .hasSize(spec.evalFacts()).allMatch(t -> taught.contains(t.prompt()));
        assertThat(world.eval().stream().filter(t -> t.kind() != TaskKind.FACT))
                .noneMatch(t -> taught.contains(t.prompt()));
    }

    @Test
    void theDefaultWorldIsLargeEnough() {
        WorldSpec spec = WorldSpec.defaults();
        assertThat(spec.entities()).isEqualTo(200);
        assertThat(spec.evalFacts()).isGreaterThanOrEqualTo(100);
        WorldData world = WorldData.generate(spec);
        assertThat(world.eval()).hasSize(400);
        assertThat(world.sft()).hasSize(6000);
    }

    @Test
    void refusesInconsistentSizes() {
        assertThatThrownBy(() -> new WorldSpec(1, 20, 0, 10, 10, 5, TaskMix.defaults()))
                .isInstanceOf(HeteroloraException.class);
        assertThatThrownBy(() -> new WorldSpec(1, 20, 10, 10, 10, 11, TaskMix.defaults()))
                .isInstanceOf(HeteroloraException.class);
    }
}
