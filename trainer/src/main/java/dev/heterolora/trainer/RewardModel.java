package dev.heterolora.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.PeftAdapters;
import dev.heterolora.model.TokenBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A causal LM backbone plus a {@link ScalarHead} read at the last real token of each sequence: one scalar reward
 * per sequence. Saved in HF layout (config.json + model.safetensors) with the head in
 * {@value #HEAD_FILE}; LoRA adapters of the backbone, if any, go to {@code adapter/} in PEFT layout.
 */
public final class RewardModel implements AutoCloseable {
    public static final String HEAD_FILE = "reward_head.safetensors";
    public static final String ADAPTER_DIR = "adapter";

    private final CausalLM backbone;
    private final ScalarHead head;
    private boolean backboneLent;

    public RewardModel(CausalLM backbone, ScalarHead head) {
        if (head.hiddenSize() != backbone.config().hiddenSize()) {
            throw new HeteroloraException("reward head width " + head.hiddenSize() + " does not match the model's hidden size "
                    + backbone.config().hiddenSize());
        }
        this.backbone = backbone;
        this.head = head;
    }

    /**
     * A reward model on {@code backbone} (taken over) with a fresh head, N(0, 1/(hidden+1)) from {@code seed}, as
     * TRL initialises value/reward heads.
     */
    public static RewardModel withFreshHead(CausalLM backbone, long seed) {
        int d = backbone.config().hiddenSize();
        return new RewardModel(backbone, ScalarHead.create(backbone.manager(), d, 1.0 / Math.sqrt(d + 1.0), seed));
    }

    public CausalLM backbone() {
        return backbone;
    }

    public ScalarHead head() {
        return head;
    }

    /** Rewards [batch] (fp32) for ids/mask [batch, t]. */
    public NDArray rewards(NDArray ids, NDArray mask, boolean training) {
        java.util.function.Supplier<NDArray> forward = () -> head.apply(backbone.hidden(ids, mask, null, training));
        NDArray perToken = backboneLent ? backbone.withAdaptersOff(forward) : forward.get();
        return ScalarHead.atLastToken(perToken, mask);
    }

    /**
     * The backbone, for a PPO value model that puts its own adapters on it instead of copying the weights; from
     * then on every reward is computed with those adapters switched off, so the scores do not change.
     *
     * @throws HeteroloraException if the reward model has adapters of its own (switching them off would change it)
     */
    public CausalLM lendBackbone() {
        if (!backboneLent && !backbone.adapters().isEmpty()) {
            throw new HeteroloraException("the reward model has LoRA adapters of its own, so a separate value model "
                    + "cannot share its weights (use --value shared, or a reward model with merged weights)");
        }
        backboneLent = true;
        return backbone;
    }

    /** The reward of every sequence, {@code batchSize} at a time (inference mode, input order kept). */
    public float[] score(List<int[]> sequences, int batchSize) {
        float[] out = new float[sequences.size()];
        for (int start = 0; start < sequences.size(); start += batchSize) {
            List<int[]> chunk = sequences.subList(start, Math.min(sequences.size(), start + batchSize));
            try (NDManager scope = backbone.manager().newSubManager()) {
                TokenBatch b = TokenBatch.rightPadded(scope, chunk, 0);
                float[] r = rewards(b.ids(), b.mask(), false).toFloatArray();
                System.arraycopy(r, 0, out, start, r.length);
            }
        }
        return out;
    }

    /**
     * Fraction of pairs whose chosen sequence scores higher than the rejected one (ties count half).
     */
    public double pairwiseAccuracy(List<PairExample> pairs, int batchSize) {
        if (pairs.isEmpty()) {
            return Double.NaN;
        }
        List<int[]> chosen = new ArrayList<>();
        List<int[]> rejected = new ArrayList<>();
        for (PairExample p : pairs) {
            chosen.add(p.chosen());
            rejected.add(p.rejected());
        }
        float[] c = score(chosen, batchSize);
        float[] r = score(rejected, batchSize);
        double wins = 0;
        for (int i = 0; i < c.length; i++) {
            wins += c[i] > r[i] ? 1 : c[i] == r[i] ? 0.5 : 0;
        }
        return wins / c.length;
    }

    /** The parameters trained with {@code tuning}: the backbone's (after preparing it) plus the head. */
    public List<Parameter> prepare(Tuning tuning, long seed) {
        List<Parameter> ps = new ArrayList<>(tuning.prepare(backbone, seed));
        head.weight().freeze(false);
        ps.add(head.weight());
        return ps;
    }

    /**
     * Writes the model to {@code dir} atomically: HF layout of the base weights, the head, the backbone's adapters
     * (if any) under {@code adapter/}, and the tokenizer files of {@code tokenizerDir} (may be null).
     */
    public void save(Path dir, Path tokenizerDir, boolean replace) {
        OutputDirectory.write(dir, replace, tmp -> writeInto(tmp, tokenizerDir));
    }

    /** Writes the model's files into an existing directory (no atomicity of its own). */
    public void writeInto(Path dir, Path tokenizerDir) throws java.io.IOException {
        HfCheckpoint.save(backbone, dir);
        head.save(dir.resolve(HEAD_FILE));
        if (!backbone.adapters().isEmpty()) {
            PeftAdapters.export(backbone, dir.resolve(ADAPTER_DIR), "..");
        }
        if (tokenizerDir != null) {
            OutputDirectory.copyIfPresent(tokenizerDir, dir, OutputDirectory.TOKENIZER_FILES);
        }
    }

    /** Loads a reward model written by {@link #save}. */
    public static RewardModel load(Path dir, ComputeSettings compute) {
        Path headFile = dir.resolve(HEAD_FILE);
        if (!Files.isRegularFile(headFile)) {
            throw new HeteroloraException(dir + " is not a reward model: no " + HEAD_FILE);
        }
        CausalLM backbone = HfCheckpoint.load(dir, compute);
        try {
            if (Files.isDirectory(dir.resolve(ADAPTER_DIR))) {
                PeftAdapters.importInto(backbone, dir.resolve(ADAPTER_DIR));
            }
            ScalarHead head = ScalarHead.load(headFile, backbone.manager(), backbone.config().hiddenSize());
            head.weight().freeze(true);
            return new RewardModel(backbone, head);
        } catch (RuntimeException e) {
            backbone.close();
            throw e;
        }
    }

    @Override
    public void close() {
        backbone.close();
    }
}
