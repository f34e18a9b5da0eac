import dev.heterolora.model.ComputeSettings;
import dev.heterolora.trainer.world.*;
import java.nio.file.*;

/** Builds one world-build candidate (spec + training settings from the arguments) into /tmp/wexp/worlds/NAME. */
public class WorldCandidate {
    // args: name entities demos pairs evalPrompts evalFacts sftEpochs sftBatch sftLr sftWarmup rmEpochs rmBatch rmLr rmWarmup
    public static void main(String[] a) throws Exception {
        int i = 0;
        String name = a[i++];
        WorldSpec spec = new WorldSpec(7, Integer.parseInt(a[i++]), Integer.parseInt(a[i++]), Integer.parseInt(a[i++]),
                Integer.parseInt(a[i++]), Integer.parseInt(a[i++]), TaskMix.defaults());
        WorldBuilder.Training tr = new WorldBuilder.Training(64, Integer.parseInt(a[i++]), Integer.parseInt(a[i++]),
                Double.parseDouble(a[i++]), Integer.parseInt(a[i++]), Integer.parseInt(a[i++]), Integer.parseInt(a[i++]),
                Double.parseDouble(a[i++]), Integer.parseInt(a[i++]), 0.15, 16, 0.7, 128);
        Path dir = Path.of("/tmp/wexp/worlds", name);
        long t = System.nanoTime();
        WorldReport r = WorldBuilder.build(spec, tr, ComputeSettings.cpu(), dir, true, false);
        System.out.println(name + " wall " + (System.nanoTime() - t) / 1e9);
    }
}
