package dev.heterolora.cli;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.PeakMemory;
import dev.heterolora.trainer.RewardModel;
import dev.heterolora.trainer.TokenCodec;
import dev.heterolora.trainer.Tuning;
import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.ppo.PpoStep;
import dev.heterolora.trainer.ppo.PpoTrainer;
import dev.heterolora.trainer.ppo.Regulariser;
import dev.heterolora.trainer.ppo.ValueFunction;
import dev.heterolora.trainer.ppo.ValueFunctions;
import dev.heterolora.trainer.ppo.ValueSetup;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora bench ppo}: time per PPO step and the device's peak memory of LoRA-PPO against full-fine-tune
 * PPO on the same model, the second paper's memory claim. Both hold what {@code train} holds: LoRA-PPO the policy
 * (its reference = the same weights with adapters off) and the reward model (the value model = its weights with
 * adapters of its own), full fine-tuning a trained policy, a frozen reference copy, the frozen reward model and a
 * trained value copy of it, with AdamW's fp32 moments. The reward model is the model itself with a fresh head (a
 * benchmark needs its size, not its judgement); prompts are random token ids and every response runs to {@code
 * --new} tokens. Run each mode in its own process: the peak is the process's (CPU) or the device's (GPU) from
 * before the first model loads.
 */
@Command(name = "ppo", description = "Seconds per PPO step and peak memory of LoRA-PPO or full-fine-tune PPO.")
final class BenchPpoCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true)
    Mode mode = new Mode();

    /** LoRA at one rank on every projection (the default), or every weight trained. */
    static final class Mode {
        @Option(names = "--uniform-rank", description = "LoRA rank on every projection (default: 8)")
        Integer rank;

        @Option(names = "--full-finetune", description = "train every weight (policy and value model)")
        boolean full;
    }

    @Option(names = "--batch", defaultValue = "8", description = "prompts per rollout batch and per update "
            + "(default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--prompt-len", defaultValue = "64", description = "prompt tokens (default: ${DEFAULT-VALUE})")
    int promptLen;

    @Option(names = "--new", defaultValue = "64", description = "response tokens (default: ${DEFAULT-VALUE})")
    int newTokens;

    @Option(names = "--steps", defaultValue = "3", description = "PPO steps; the first is warm-up "
            + "(default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--epochs", defaultValue = "1", description = "PPO epochs per step (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--json", description = "one JSON line instead of the table")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (batch < 1 || promptLen < 1 || newTokens < 1 || steps < 2 || epochs < 1) {
            throw new HeteroloraException("--batch, --prompt-len, --new and --epochs must be >= 1, --steps >= 2");
        }
        if (mode.rank != null && mode.rank < 1) {
            throw new HeteroloraException("--uniform-rank must be >= 1");
        }
        Path dir = modelOptions.modelDir();
        ComputeSettings compute = modelOptions.compute();
        PeakMemory memory = PeakMemory.start(compute.device());
        List<Double> seconds = new ArrayList<>();
        long trained;
        String name = dir.getFileName().toString();
        try (CausalLM policy = HfCheckpoint.load(dir, compute);
             CausalLM reference = mode.full ? HfCheckpoint.load(dir, compute) : null;
             RewardModel reward = RewardModel.withFreshHead(HfCheckpoint.load(dir, compute), 11)) {
            int vocab = policy.config().vocabSize();
            int rank = mode.rank == null ? 8 : mode.rank;
            Tuning tuning = mode.full ? new Tuning.Full()
                    : new Tuning.Lora(AdapterPlan.uniform(policy.config().sites(false), rank, 2.0 * rank), 0f);
            var trainable = tuning.prepare(policy, 1);
            PpoSettings settings = new PpoSettings(steps, batch, batch, epochs, 1e-6, 0.02, 0, 10_000,
                    Regulariser.KL, 1.0, 0.95, 0.2, 0.2, 0.1, 1.0, newTokens, 1.0, 1.0, 0, 1);
            try (ValueFunction critic = ValueFunctions.create(ValueSetup.defaults(), tuning, policy, reward, dir,
                    compute, 1, null);
                 PpoTrainer trainer = new PpoTrainer(policy, reference, reward, critic, new IdCodec(vocab), trainable,
                         settings)) {
                trained = trainer.trainableParameters().stream().mapToLong(p -> p.getArray().size()).sum();
                SplittableRandom rng = new SplittableRandom(5);
                for (int s = 0; s < steps; s++) {
                    List<String> prompts = new ArrayList<>();
                    for (int i = 0; i < batch; i++) {
                        prompts.add(Arrays.stream(BenchCommand.randomIds(promptLen, 0, vocab, rng.nextLong()))
                                .mapToObj(Long::toString).collect(Collectors.joining(" ")));
                    }
                    PpoStep step = trainer.step(s, prompts);
                    memory.sample();
                    seconds.add(step.seconds());
                }
            }
        }
        double[] warm = seconds.subList(1, seconds.size()).stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = warm.length % 2 == 1 ? warm[warm.length / 2]
                : (warm[warm.length / 2 - 1] + warm[warm.length / 2]) / 2;
        String label = mode.full ? "full fine-tune" : "LoRA r" + (mode.rank == null ? 8 : mode.rank);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = BenchCommand.header("ppo", name, compute);
            m.put("mode", mode.full ? "full" : "lora");
            m.put("lora_rank", mode.full ? null : (mode.rank == null ? 8 : mode.rank));
            m.put("trainable_params", trained);
            m.put("batch", batch);
            m.put("prompt_len", promptLen);
            m.put("new", newTokens);
            m.put("epochs", epochs);
            m.put("steps", steps);
            m.put("step_s", seconds);
            m.put("step_s_warm", median);
            m.put("peak_mib", BenchCommand.mib(memory.peakBytes()));
            m.put("base_mib", BenchCommand.mib(memory.baselineBytes()));
            BenchCommand.printJson(out, List.of(m), r -> r);
            return 0;
        }
        out.printf("%s PPO on %s, %s %s: batch %d, %d prompt + %d new tokens, %d epoch(s)%n", label, name,
                compute.device(), compute.dtype(), batch, promptLen, newTokens, epochs);
        out.printf("trained parameters %,d; seconds per step %s (median after the first: %.3f)%n", trained,
                seconds.stream().map(x -> String.format("%.3f", x)).collect(Collectors.joining(", ")), median);
        out.printf("peak %s MiB (%s MiB at the start): %s%n", PeakMemory.mib(memory.peakBytes()),
                PeakMemory.mib(memory.baselineBytes()), PeakMemory.what(compute.device()));
        return 0;
    }

    /** Prompts written as space-separated token ids; no BOS, no EOS (every response runs to its full length). */
    private record IdCodec(int vocabSize) implements TokenCodec {
        @Override
        public int[] encode(String text) {
            return text.isBlank() ? new int[0] : Arrays.stream(text.trim().split(" ")).mapToInt(Integer::parseInt)
                    .toArray();
        }

        @Override
        public String decode(int[] ids) {
            return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
        }

        @Override
        public int bosId() {
            return -1;
        }

        @Override
        public int eosId() {
            return -1;
        }

        @Override
        public int padId() {
            return 0;
        }
    }
}
