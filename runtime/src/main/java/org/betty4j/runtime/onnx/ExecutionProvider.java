package org.betty4j.runtime.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where ONNX Runtime runs a session, and how that was decided.
 *
 * <p>The CUDA build lists CUDA among its available providers even on a machine without a GPU,
 * so that list is no GPU test. A failed {@code addCUDA} costs about 2.4 s, so the NVIDIA
 * driver file is checked first; only when it exists is CUDA tried, and the answer is kept for
 * the rest of the JVM.
 */
public enum ExecutionProvider {
    CPU, CUDA;

    /** The file the NVIDIA kernel driver exposes when a GPU is usable. */
    static final Path NVIDIA_DRIVER = Path.of("/proc/driver/nvidia/version");

    /** What a session asks for: the best available, or one provider only. */
    public enum Preference { AUTO, CPU_ONLY, CUDA_ONLY }

    /** The chosen provider and a short reason for the log line. */
    record Choice(ExecutionProvider provider, String reason) {}

    private static volatile Choice cudaVerdict;

    /**
     * Adds the CUDA provider to {@code options} when a usable GPU is present (and wanted); the
     * same options still make a CPU session when adding CUDA failed.
     */
    static Choice choose(OrtSession.SessionOptions options, Preference preference, Path driverFile) {
        if (preference == Preference.CPU_ONLY) {
            return new Choice(CPU, "CPU requested");
        }
        boolean realDriver = driverFile.equals(NVIDIA_DRIVER);
        Choice known = cudaVerdict;
        if (realDriver && known != null && known.provider() == CPU && preference == Preference.AUTO) {
            return known;
        }
        Choice choice;
        if (!Files.exists(driverFile)) {
            choice = new Choice(CPU, "no NVIDIA GPU driver (" + driverFile + " absent)");
        } else if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            choice = new Choice(CPU, "this ONNX Runtime build has no CUDA provider");
        } else {
            try {
                options.addCUDA(0);
                choice = new Choice(CUDA, "NVIDIA GPU 0");
            } catch (OrtException e) {
                choice = new Choice(CPU, "the CUDA provider did not load (" + e.getMessage()
                        + "); it needs CUDA 12 and cuDNN 9");
            }
        }
        if (realDriver) {
            cudaVerdict = choice;
        }
        if (preference == Preference.CUDA_ONLY && choice.provider() != CUDA) {
            throw new OnnxModelException("the CUDA execution provider was required but is not usable: "
                    + choice.reason() + "; use Preference.AUTO or CPU_ONLY to run on the CPU");
        }
        return choice;
    }
}
