package dev.heterolora.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AtomicFile;
import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A run's figures in the two files people who train with transformers/TRL look for beside a run: {@value #STATE_FILE}
 * (transformers' {@code TrainerState}: {@code log_history} with one entry per optimizer step, {@code global_step},
 * {@code max_steps}, {@code best_metric}, ...) and {@value #CSV_FILE} (a {@code step} column and one column per
 * metric, for pandas or a spreadsheet).
 *
 * <p>It exists so every trainer (SFT, reward model, PPO) writes the same files the same way. Steps are counted as
 * transformers counts them: entry {@code step} n holds the figures of the n-th update (the database stores the same
 * figures under the 0-based step n - 1). Both files are rewritten whole after each step through a temporary file
 * and an atomic move, so a run killed at any moment leaves two complete, valid files. Non-finite figures (a
 * skipped fp16 update's infinite gradient norm) are {@code null} in the JSON and {@code NaN}/{@code Infinity} in
 * the CSV.
 */
public final class TrainerState {
    /** transformers' name for the file. */
    public static final String STATE_FILE = "trainer_state.json";
    /** One row per step, one column per metric. */
    public static final String CSV_FILE = "metrics.csv";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final int maxSteps;
    private final int batchSize;
    private final SortedMap<Integer, Map<String, Double>> history = new TreeMap<>();

    /**
     * @param dir where the files go (written only by {@link #record} and {@link #write})
     * @param maxSteps the run's planned number of updates
     * @param batchSize rows per update, as transformers' {@code train_batch_size}
     */
    public TrainerState(Path dir, int maxSteps, int batchSize) {
        this.dir = dir;
        this.maxSteps = maxSteps;
        this.batchSize = batchSize;
    }

    /**
     * The state of a finished run of {@link TrainLoop} (SFT, reward model): each update's {@code loss} and
     * {@code grad_norm}, then the figures {@code extra} gives for it.
     */
    public static <U extends TrainLoop.Update> TrainerState ofUpdates(Path dir, List<U> updates, int batchSize,
                                                                      Function<U, Map<String, Double>> extra) {
        TrainerState state = new TrainerState(dir, updates.size(), batchSize);
        for (U u : updates) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", (double) u.loss());
            m.put("grad_norm", u.gradNorm());
            m.putAll(extra.apply(u));
            state.add(u.step(), m);
        }
        return state;
    }

    /**
     * Adds figures to 0-based step {@code step} without writing (a figure already there is replaced), e.g. the
     * steps of a resumed run read back from the database.
     */
    public void add(int step, Map<String, Double> metrics) {
        history.computeIfAbsent(step + 1, k -> new LinkedHashMap<>()).putAll(metrics);
    }

    /** Adds the figures of 0-based step {@code step} and rewrites both files in the run folder. */
    public void record(int step, Map<String, Double> metrics) {
        add(step, metrics);
        write();
    }

    /** Writes both files into the run folder, each atomically. */
    public void write() {
        writeInto(dir);
    }

    private void writeInto(Path target) {
        try {
            Files.createDirectories(target);
            AtomicFile.writeString(target.resolve(STATE_FILE),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state()));
            AtomicFile.writeString(target.resolve(CSV_FILE), csv());
        } catch (IOException e) {
            throw new HeteroloraException("cannot write " + target.resolve(STATE_FILE) + ": " + e.getMessage());
        }
    }

    /** The updates recorded so far, in order: transformers' {@code global_step}. */
    public int globalStep() {
        return history.isEmpty() ? 0 : history.lastKey();
    }

    /** The fields of transformers' TrainerState that apply here, in its sorted key order. */
    private ObjectNode state() {
        ObjectNode o = JSON.createObjectNode();
        o.putNull("best_global_step");
        o.putNull("best_metric");
        o.putNull("best_model_checkpoint");
        o.put("global_step", globalStep());
        o.put("is_hyper_param_search", false);
        o.put("is_local_process_zero", true);
        o.put("is_world_process_zero", true);
        ArrayNode log = o.putArray("log_history");
        history.forEach((step, metrics) -> {
            // keys sorted, as transformers writes them (json.dumps(..., sort_keys=True))
            TreeMap<String, Double> sorted = new TreeMap<>(metrics);
            sorted.put("step", (double) step);
            ObjectNode entry = log.addObject();
            sorted.forEach((name, value) -> {
                if (name.equals("step")) {
                    entry.put(name, step);
                } else if (Double.isFinite(value)) {
                    entry.put(name, value);
                } else {
                    entry.putNull(name);
                }
            });
        });
        o.put("logging_steps", 1);
        o.put("max_steps", maxSteps);
        o.put("train_batch_size", batchSize);
        o.putNull("trial_name");
        o.putNull("trial_params");
        return o;
    }

    private String csv() {
        List<String> columns = columns();
        StringBuilder b = new StringBuilder("step");
        columns.forEach(c -> b.append(',').append(c));
        b.append('\n');
        history.forEach((step, metrics) -> {
            b.append(step);
            for (String c : columns) {
                b.append(',');
                Double v = metrics.get(c);
                if (v != null) {
                    b.append(v);
                }
            }
            b.append('\n');
        });
        return b.toString();
    }

    /** The metric names of the recorded steps, in order of first appearance: the CSV's columns after step. */
    private List<String> columns() {
        Set<String> columns = new LinkedHashSet<>();
        history.values().forEach(m -> columns.addAll(m.keySet()));
        return new ArrayList<>(columns);
    }

}
