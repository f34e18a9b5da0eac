package dev.heterolora.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.Gradients;
import dev.heterolora.model.io.SafeTensorFile;
import dev.heterolora.model.io.TensorData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * AdamW (Loshchilov &amp; Hutter) over a fixed list of DJL parameters, as {@code torch.optim.AdamW} computes it:
 * decoupled weight decay {@code w ← w·(1 − lr·wd)}, then {@code w ← w − lr·m̂/(√v̂ + eps)} with bias-corrected
 * moments. Moment state is fp32 on the parameters' device; every step is a handful of whole-array ops per
 * parameter, run outside any gradient collector (PyTorch's grad mode is off there, so in-place updates of
 * trainable leaves are allowed).
 *
 * <p>Parameters held in fp16 (adapters of an fp16 model) get fp32 master copies here: the update is computed on
 * the master, which is then copied into the parameter, so small updates are not lost to fp16 rounding. With any
 * such parameter the optimizer also carries the run's {@link LossScale}, which {@link TrainLoop} applies.
 *
 * <p>Weight decay applies to matrices only (rank ≥ 2); gains and biases are not decayed (as HF's Trainer does).
 * Gradients accumulate across backward passes until {@link #step} (or {@link #zeroGradients}) clears them, so
 * several micro-batches can be accumulated into one step. Only parameters that are trainable
 * ({@link Parameter#requiresGradient()}) when a step runs are updated.
 */
public final class AdamW implements AutoCloseable {

    /** Hyper-parameters (the learning rate is given to each {@link #step}). */
    public record Settings(double beta1, double beta2, double eps, double weightDecay) {
        public Settings {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new HeteroloraException("AdamW betas must be in [0, 1), got " + beta1 + ", " + beta2);
            }
            if (!(eps > 0)) {
                throw new HeteroloraException("AdamW eps must be positive, got " + eps);
            }
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new HeteroloraException("--weight-decay must be a finite number >= 0, got " + weightDecay);
            }
        }

        /** torch's defaults (0.9, 0.999, 1e-8) with the given weight decay. */
        public static Settings withWeightDecay(double weightDecay) {
            return new Settings(0.9, 0.999, 1e-8, weightDecay);
        }
    }

    private final List<Parameter> parameters;
    private final Settings settings;
    private final NDManager state;
    private final NDArray[] m;
    private final NDArray[] v;
    /** fp32 copies of the parameters that are not fp32 (null elsewhere). */
    private final NDArray[] masters;
    private final LossScale lossScale;
    private int steps;

    /**
     * An optimizer for {@code parameters} (all on one device). Its moment arrays and master copies live in a
     * sub-manager of the first parameter's manager and are freed by {@link #close()} (or with the model).
     */
    public AdamW(List<Parameter> parameters, Settings settings) {
        if (parameters.isEmpty()) {
            throw new HeteroloraException("nothing to train: the parameter list is empty");
        }
        this.parameters = List.copyOf(parameters);
        this.settings = settings;
        this.state = parameters.get(0).getArray().getManager().newSubManager();
        this.m = new NDArray[parameters.size()];
        this.v = new NDArray[parameters.size()];
        this.masters = new NDArray[parameters.size()];
        boolean mixed = false;
        for (int i = 0; i < m.length; i++) {
            NDArray w = parameters.get(i).getArray();
            m[i] = state.zeros(w.getShape(), DataType.FLOAT32, w.getDevice());
            v[i] = state.zeros(w.getShape(), DataType.FLOAT32, w.getDevice());
            if (w.getDataType() != DataType.FLOAT32) {
                masters[i] = Scopes.moveTo(w.toType(DataType.FLOAT32, true), state);
                mixed = true;
            }
        }
        this.lossScale = mixed ? LossScale.standard() : null;
    }

    public List<Parameter> parameters() {
        return parameters;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * The dynamic loss scale of a run with fp16 parameters, or null when every parameter is fp32 (no scaling: the
     * fp32 path is exactly what it was before mixed precision existed).
     */
    public LossScale lossScale() {
        return lossScale;
    }

    /** Number of updates applied so far (the t of the bias correction). */
    public int stepCount() {
        return steps;
    }

    /** Applies one update with learning rate {@code lr} from the accumulated gradients, then zeroes them. */
    public void step(double lr) {
        step(lr, 1);
    }

    /**
     * Applies one update with learning rate {@code lr} from the accumulated gradients times {@code gradientFactor}
     * (taken in fp32: how a loss scale is undone together with clipping), then zeroes them.
     */
    public void step(double lr, double gradientFactor) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new HeteroloraException("learning rate must be a finite number >= 0, got " + lr);
        }
        steps++;
        double b1 = settings.beta1();
        double b2 = settings.beta2();
        double bc1 = 1 - Math.pow(b1, steps);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(b2, steps));
        float stepSize = (float) (lr / bc1);
        // an in-place update of parameters that require gradients: autograd off, whichever thread trains
        Gradients.withoutAutograd(() -> {
            try (NDManager scope = state.newSubManager()) {
                // the step's constants as 0-d fp32 arrays on the device, made once per step: an op with a Java number
                // copies it to the device (a synchronising transfer on a GPU) every time, here ~8 per parameter
                NDArray factor = scope.create((float) gradientFactor);
                NDArray beta1 = scope.create((float) b1);
                NDArray oneMinusBeta1 = scope.create((float) (1 - b1));
                NDArray beta2 = scope.create((float) b2);
                NDArray oneMinusBeta2 = scope.create((float) (1 - b2));
                NDArray decay = scope.create((float) (1 - lr * settings.weightDecay()));
                NDArray bias2 = scope.create((float) sqrtBc2);
                NDArray eps = scope.create((float) settings.eps());
                NDArray size = scope.create(stepSize);
                for (int i = 0; i < m.length; i++) {
                    Parameter p = parameters.get(i);
                    if (!p.requiresGradient()) {
                        continue;
                    }
                    NDArray w = masters[i] == null ? p.getArray() : masters[i];
                    NDArray g = gradient(p, scope);
                    NDArray g32 = g.toType(DataType.FLOAT32, false);
                    if (gradientFactor != 1) {
                        g32 = g32.mul(factor);
                    }
                    m[i].muli(beta1).addi(g32.mul(oneMinusBeta1));
                    v[i].muli(beta2).addi(g32.square().muli(oneMinusBeta2));
                    if (settings.weightDecay() > 0 && w.getShape().dimension() >= 2) {
                        w.muli(decay);
                    }
                    NDArray denom = Scopes.moveTo(v[i].sqrt(), scope).divi(bias2).addi(eps);
                    NDArray update = Scopes.moveTo(m[i].div(denom), scope).muli(size);
                    w.subi(update.toType(w.getDataType(), false));
                    if (masters[i] != null) {
                        copyMaster(i, scope);
                    }
                    Gradients.zero(p.getArray());
                }
            }
        });
    }

    /**
     * Writes the moments, the fp32 masters of fp16 parameters and the step count to {@code file} (safetensors,
     * fp32), with the parameter names so a restore can check it is given the same parameters: a resumed run then
     * continues the same optimisation.
     */
    public void saveState(Path file) {
        TreeMap<String, TensorData> t = new TreeMap<>();
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < m.length; i++) {
            t.put(String.format("%05d.m", i), TensorData.ofFloats(m[i].getShape().getShape(), m[i].toFloatArray()));
            t.put(String.format("%05d.v", i), TensorData.ofFloats(v[i].getShape().getShape(), v[i].toFloatArray()));
            if (masters[i] != null) {
                t.put(String.format("%05d.master", i), TensorData.ofFloats(masters[i].getShape().getShape(),
                        masters[i].toFloatArray()));
            }
            names.append(i == 0 ? "" : ",").append(parameters.get(i).getName());
        }
        SafeTensorFile.write(file, t, Map.of("format", "pt", "heterolora", "adamw", "steps", Integer.toString(steps),
                "parameters", names.toString()));
    }

    /**
     * Restores a state written by {@link #saveState} for the same parameters (names and shapes checked); fp32
     * masters it holds replace this optimizer's (and are copied into their parameters).
     */
    public void loadState(Path file) {
        try (SafeTensorFile f = SafeTensorFile.open(file)) {
            String names = f.metadata().getOrDefault("parameters", "");
            String expected = String.join(",", parameters.stream().map(Parameter::getName).toList());
            if (!names.equals(expected) || !"adamw".equals(f.metadata().get("heterolora"))) {
                throw new HeteroloraException(file + " is not the optimizer state of these " + parameters.size()
                        + " parameters");
            }
            for (int i = 0; i < m.length; i++) {
                restore(f, String.format("%05d.m", i), m[i]);
                restore(f, String.format("%05d.v", i), v[i]);
                String master = String.format("%05d.master", i);
                if (masters[i] != null && f.has(master)) {
                    restore(f, master, masters[i]);
                    try (NDManager scope = state.newSubManager()) {
                        copyMaster(i, scope);
                    }
                }
            }
            steps = Integer.parseInt(f.metadata().get("steps"));
        } catch (NumberFormatException e) {
            throw new HeteroloraException(file + ": bad step count in the optimizer state");
        }
    }

    /** Rounds parameter i's master into the parameter (the temporary cast belongs to {@code scope}). */
    private void copyMaster(int i, NDManager scope) {
        NDArray held = parameters.get(i).getArray();
        held.set(new NDIndex("..."), Scopes.moveTo(masters[i].toType(held.getDataType(), false), scope));
    }

    private static void restore(SafeTensorFile f, String name, NDArray into) {
        if (!f.has(name) || !java.util.Arrays.equals(f.entry(name).shape(), into.getShape().getShape())) {
            throw new HeteroloraException(f.path() + ": optimizer moment " + name + " is missing or has the wrong "
                    + "shape");
        }
        try (NDManager scope = into.getManager().newSubManager()) {
            into.set(new NDIndex("..."), scope.create(f.readFloats(name), into.getShape()).toDevice(into.getDevice(),
                    false));
        }
    }

    /** Clears the accumulated gradients of this optimizer's parameters. */
    public void zeroGradients() {
        zeroGradients(parameters);
    }

    /** Clears the accumulated gradients of {@code parameters} (those that are trainable). */
    public static void zeroGradients(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            if (p.requiresGradient()) {
                Gradients.zero(p.getArray());
            }
        }
    }

    /**
     * The global L2 norm of the gradients of {@code parameters} (trainable ones), one reduction per parameter and
     * one transfer to the host.
     */
    public static double gradientNorm(List<Parameter> parameters) {
        if (parameters.isEmpty()) {
            return 0;
        }
        try (NDManager scope = parameters.get(0).getArray().getManager().newSubManager()) {
            return globalNorm(parameters, scope, new ArrayList<>());
        }
    }

    /**
     * Scales all gradients by {@code maxNorm / norm} when their global L2 norm exceeds {@code maxNorm} (as
     * {@code torch.nn.utils.clip_grad_norm_}); returns the norm before clipping. A non-finite norm is returned as
     * is and nothing is scaled (the caller decides; {@link TrainLoop} stops the run).
     */
    public static double clipGlobalNorm(List<Parameter> parameters, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new HeteroloraException("gradient clipping norm must be positive, got " + maxNorm);
        }
        if (parameters.isEmpty()) {
            return 0;
        }
        try (NDManager scope = parameters.get(0).getArray().getManager().newSubManager()) {
            List<NDArray> grads = new ArrayList<>();
            double norm = globalNorm(parameters, scope, grads);
            if (Double.isFinite(norm) && norm > maxNorm) {
                float factor = (float) (maxNorm / (norm + 1e-6));
                for (NDArray g : grads) {
                    g.muli(factor);
                }
            }
            return norm;
        }
    }

    private static double globalNorm(List<Parameter> parameters, NDManager scope, List<NDArray> grads) {
        NDList squares = new NDList();
        for (Parameter p : parameters) {
            if (p.requiresGradient()) {
                NDArray g = gradient(p, scope);
                grads.add(g);
                squares.add(g.toType(DataType.FLOAT32, false).square().sum());
            }
        }
        if (squares.isEmpty()) {
            return 0;
        }
        NDArray total = squares.size() == 1 ? squares.get(0) : NDArrays.stack(squares).sum();
        return Math.sqrt(total.toType(DataType.FLOAT64, false).getDouble());
    }

    /** The gradient of {@code p} as an array owned by {@code scope} (the wrapper, not the storage). */
    private static NDArray gradient(Parameter p, NDManager scope) {
        NDArray g = p.getArray().getGradient();
        g.attach(scope);
        return g;
    }

    @Override
    public void close() {
        state.close();
    }
}
