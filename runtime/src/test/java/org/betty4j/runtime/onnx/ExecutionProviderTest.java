package org.betty4j.runtime.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutionProviderTest {

    @TempDir
    Path dir;

    @Test
    void withoutDriverFileTheCpuRunsWithoutTryingCuda() throws Exception {
        Path absent = dir.resolve("no-driver");
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            long t0 = System.nanoTime();
            ExecutionProvider.Choice choice = ExecutionProvider.choose(options, ExecutionProvider.Preference.AUTO, absent);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(ExecutionProvider.CPU, choice.provider());
            assertTrue(choice.reason().contains(absent.toString()), choice.reason());
            // the cheap check must not pay the ~2.4 s of a failed CUDA load
            assertTrue(seconds < 1.0, "took " + seconds + " s");
        }
    }

    @Test
    void withDriverFileCudaIsTriedAndAFailureFallsBackToCpu() throws Exception {
        Path fakeDriver = Files.writeString(dir.resolve("version"), "NVRM version: fake");
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            ExecutionProvider.Choice choice = ExecutionProvider.choose(options, ExecutionProvider.Preference.AUTO, fakeDriver);
            if (choice.provider() == ExecutionProvider.CPU) {
                assertTrue(choice.reason().contains("did not load"), choice.reason());
            } else {
                assertTrue(Files.exists(ExecutionProvider.NVIDIA_DRIVER), "CUDA chosen on a machine without a driver");
            }
        }
    }

    @Test
    void cudaOnlyWithoutGpuIsAClearError() throws Exception {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            OnnxModelException e = assertThrows(OnnxModelException.class, () -> ExecutionProvider.choose(options,
                    ExecutionProvider.Preference.CUDA_ONLY, dir.resolve("absent")));
            assertTrue(e.getMessage().contains("CUDA execution provider was required"), e.getMessage());
        }
    }
}
