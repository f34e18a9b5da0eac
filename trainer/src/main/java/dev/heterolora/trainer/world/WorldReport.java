package dev.heterolora.trainer.world;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything measured while building a world ({@code world.json}): the spec and build settings, sizes, and the
 * numbers that say whether the world is usable — SFT oracle accuracy, style rate and factuality on the held-out
 * prompts, and the reward model's held-out pairwise accuracy against the noisy labels and against the oracle.
 *
 * @param mklCbwr the {@code MKL_CBWR} setting the build ran with: PyTorch's CPU matmuls (MKL) are bit-reproducible
 *                from run to run only with {@code AUTO,STRICT} (or {@code COMPATIBLE}); unset, two builds of the
 *                same spec can differ in the last bits of their weights and hence in the sampled pairs
 * @param pairsIdentical prompts whose two samples were identical (no pair made)
 * @param seconds wall-clock time of each phase and the total (the only non-deterministic field)
 */
public record WorldReport(int format, WorldSpec spec, WorldBuilder.Training training, String mklCbwr, int vocabSize,
                          long policyParameters, long rewardParameters, int sftDemos, int pairsTrain,
                          int pairsHeldOut, int pairsIdentical, int evalPrompts, int evalFacts, Sft sft,
                          Reward reward, Map<String, Double> seconds) {

    public static final int FORMAT = 1;

    /**
     * The SFT policy on the held-out prompts (sampled at the evaluation temperature, and greedy).
     *
     * @param accuracy oracle accuracy of sampled responses
     * @param styleRate fraction of sampled responses following the style rule
     * @param factAccuracy accuracy on the fact questions (factuality)
     * @param t1Accuracy the same at temperature 1 (the distribution the preference pairs are sampled from; the
     *                   evaluation temperature sharpens the policy towards its most frequent answer and form)
     */
    public record Sft(int steps, double firstLoss, double finalLoss, double accuracy, double styleRate,
                      double factAccuracy, double meanScore, double endedRate, Map<String, Double> accuracyByKind,
                      double greedyAccuracy, double greedyStyleRate, double greedyFactAccuracy,
                      double t1Accuracy, double t1StyleRate, double t1FactAccuracy) {}

    /**
     * The reward model on the pairs.
     *
     * @param trainAccuracyVsLabels the first 400 training pairs ranked as the annotator labelled them
     * @param heldOutAccuracyVsLabels held-out pairs ranked as the (noisy) annotator labelled them
     * @param heldOutAccuracyVsOracle held-out pairs ranked as the oracle's scores order them (pairs with equal
     *                                scores left out)
     * @param oracleDecisivePairs number of held-out pairs with different oracle scores
     * @param labelAgreementWithOracle how often the annotator's label agrees with the oracle on those pairs
     */
    public record Reward(int steps, double firstLoss, double finalLoss, double trainAccuracyVsLabels,
                         double heldOutAccuracyVsLabels, double heldOutAccuracyVsOracle, int oracleDecisivePairs,
                         double labelAgreementWithOracle) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** This report as pretty JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this) + "\n";
        } catch (IOException e) {
            throw new HeteroloraException("cannot serialise the world report: " + e.getMessage());
        }
    }

    /** Writes {@code world.json}. */
    public void write(Path file) {
        WorldFiles.writeString(file, toJson());
    }

    /** Reads a {@code world.json}. */
    public static WorldReport read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new HeteroloraException("no world report " + file + " (build the world first)");
        }
        try {
            return JSON.readValue(file.toFile(), WorldReport.class);
        } catch (IOException e) {
            throw new HeteroloraException("cannot read " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
