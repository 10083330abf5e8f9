package org.betty4j.runtime.cli;

import ai.djl.Device;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Where {@code --device} trains, or why it cannot: the message names what is missing. */
final class DeviceChoice {

    /** Where DJL's PyTorch native jars describe the libtorch build they carry. */
    static final String LIBTORCH_PROPERTIES = "native/lib/pytorch.properties";

    private DeviceChoice() {}

    /** The CPU, or the first GPU when asked for and visible to DJL's PyTorch engine. */
    static Device resolve(boolean gpu) {
        if (!gpu) {
            return Device.cpu();
        }
        int gpus = ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount();
        if (gpus > 0) {
            return Device.gpu();
        }
        throw new UsageException(missingGpu(libtorchFlavor()));
    }

    /**
     * The flavor of the libtorch build on the class path ({@code cpu}, {@code cu124}, ...), or
     * null when no DJL PyTorch native jar is on it.
     */
    static String libtorchFlavor() {
        try (InputStream in = DeviceChoice.class.getClassLoader().getResourceAsStream(LIBTORCH_PROPERTIES)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("flavor");
        } catch (IOException e) {
            return null;
        }
    }

    /** Why {@code --device gpu} cannot run, given the libtorch flavor on the class path. */
    static String missingGpu(String flavor) {
        if (flavor == null || !flavor.startsWith("cu")) {
            return "--device gpu: the PyTorch library on the class path is DJL's CPU build ("
                    + (flavor == null ? "no pytorch-native jar found" : "ai.djl.pytorch:pytorch-native-cpu, flavor "
                            + flavor)
                    + "), which cannot use a GPU. Build with the CUDA one (mvn -Pgpu: pytorch-native-cu124 on DJL"
                    + " 0.33.0) and run on a machine with an NVIDIA GPU and driver, or run with --device cpu";
        }
        return "--device gpu: the CUDA build of PyTorch (flavor " + flavor + ") is on the class path, but DJL sees no"
                + " CUDA device: no NVIDIA GPU or driver is visible to this process (check nvidia-smi and"
                + " CUDA_VISIBLE_DEVICES), or run with --device cpu";
    }
}
