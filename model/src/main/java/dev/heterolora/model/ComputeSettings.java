package dev.heterolora.model;

import dev.heterolora.core.HeteroloraException;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Where the model computes and in which precision: the one place device and dtype come from
 * ({@code --device auto|cpu|gpu}, {@code --dtype fp32|fp16}).
 *
 * <p>fp16 keeps the base weights, the activations and the adapters in half precision (norm statistics and
 * log-probabilities in fp32); the optimizer keeps fp32 master copies and moments, and training scales the loss.
 * bf16 is refused: DJL 0.35.1's PyTorch JNI aborts the JVM on any BFLOAT16 array.
 */
public record ComputeSettings(Device device, DataType dtype) {

    /** fp32 on the best device DJL has (a GPU when there is one). */
    public static ComputeSettings auto() {
        return parse("auto", "fp32");
    }

    /** fp32 on the CPU: what the parity tests use. */
    public static ComputeSettings cpu() {
        return new ComputeSettings(Device.cpu(), DataType.FLOAT32);
    }

    /** Parses the two flags. */
    public static ComputeSettings parse(String device, String dtype) {
        Device dev = switch (device.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu() : Device.cpu();
            case "cpu" -> Device.cpu();
            case "gpu", "cuda" -> {
                if (Engine.getEngine("PyTorch").getGpuCount() == 0) {
                    throw new HeteroloraException("--device gpu: no GPU is visible to PyTorch on this machine");
                }
                yield Device.gpu();
            }
            default -> throw new HeteroloraException("--device must be auto, cpu or gpu, got '" + device + "'");
        };
        DataType type = switch (dtype.trim().toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> DataType.FLOAT32;
            case "fp16", "float16" -> DataType.FLOAT16;
            case "bf16", "bfloat16" -> throw new HeteroloraException(
                    "--dtype bf16 is not available: DJL 0.35.1's PyTorch JNI cannot hold BF16 arrays; use fp16 or fp32");
            default -> throw new HeteroloraException("--dtype must be fp32 or fp16, got '" + dtype + "'");
        };
        return new ComputeSettings(dev, type);
    }
}
