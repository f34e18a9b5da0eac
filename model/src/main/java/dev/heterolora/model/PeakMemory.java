package dev.heterolora.model;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The peak memory of a benchmark's phase on the device it computes on, so that benchmarks can print it beside
 * PyTorch's figures.
 *
 * <p>On a GPU: the device memory in use as CUDA reports it ({@code cudaMemGetInfo} through DJL), sampled after each
 * step. DJL's JNI has no {@code torch.cuda.max_memory_allocated}; but PyTorch's caching allocator keeps what it
 * reserved until its cache is emptied, so once the cache is emptied at the start, the figure after a step is the
 * phase's high-water mark of reserved memory (what {@code max_memory_reserved} reports), plus the CUDA context and
 * anything else on the card, which the baseline taken at the start holds. On the CPU: the process's peak resident
 * set ({@code VmHWM}), reset at the start through {@code /proc/self/clear_refs} (Linux), which includes the JVM.
 */
public final class PeakMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private final Device device;
    private final long baseline;
    private long peak;

    private PeakMemory(Device device, long baseline) {
        this.device = device;
        this.baseline = baseline;
        this.peak = baseline;
    }

    /** Starts a phase on {@code device}: empties PyTorch's CUDA cache (GPU) or resets the peak RSS (CPU). */
    public static PeakMemory start(Device device) {
        if (device.isGpu()) {
            JniUtils.emptyCudaCache();
            return new PeakMemory(device, gpuUsed(device));
        }
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux, or not allowed: the peak is then the process's since it started
        }
        return new PeakMemory(device, residentKib("VmRSS") * 1024);
    }

    /** Takes a reading now (GPU; the kernel keeps the CPU's peak by itself). */
    public void sample() {
        if (device.isGpu()) {
            peak = Math.max(peak, gpuUsed(device));
        }
    }

    /** The highest reading of the phase in bytes (−1 when the device cannot be read). */
    public long peakBytes() {
        if (device.isGpu()) {
            sample();
            return peak;
        }
        long hwm = residentKib("VmHWM");
        return hwm < 0 ? -1 : hwm * 1024;
    }

    /** The reading at the start in bytes (−1 when unknown). */
    public long baselineBytes() {
        return baseline;
    }

    /** What the figures on {@code device} are, for a table's footnote. */
    public static String what(Device device) {
        return device.isGpu() ? "device memory in use (cudaMemGetInfo: reserved by PyTorch + CUDA context), peak"
                : "process peak resident set (VmHWM, JVM included)";
    }

    /** Bytes in MiB, rounded, for tables ("?" when unknown). */
    public static String mib(long bytes) {
        return bytes < 0 ? "?" : String.format(Locale.ROOT, "%,d", Math.round(bytes / 1048576.0));
    }

    private static long gpuUsed(Device device) {
        try {
            return CudaUtils.getGpuMemory(device).getUsed();
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    private static long residentKib(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
