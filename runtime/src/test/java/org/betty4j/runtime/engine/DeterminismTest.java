package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.betty4j.runtime.checkpoint.RegressionHpoProgramAccess;
import org.junit.jupiter.api.Test;

/**
 * Determinism, as stated in the README: the same program, settings and seed on the same
 * threads and device give bit-identical parameters (a bilevel program with shuffled data,
 * momentum, Adam and gradient accumulation, run twice in this JVM), and the README says that
 * bit-identical results need the same thread count and device.
 */
class DeterminismTest {

    private static byte[] run(long seed) {
        try (Engine engine = new Engine(RegressionHpoProgramAccess.program(),
                EngineConfig.builder().optIterations(40).optSeed(seed).build())) {
            engine.run();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String p : new String[] {"Weights", "Penalties"}) {
                for (NDArray a : engine.parameters(p)) {
                    bytes.writeBytes(a.encode());
                }
            }
            return bytes.toByteArray();
        }
    }

    @Test
    void theSameSeedOnTheSameThreadsGivesBitIdenticalParameters() {
        byte[] first = run(3);
        assertArrayEquals(first, run(3), "two runs with the same seed and threads differ");
        assertTrue(!java.util.Arrays.equals(first, run(4)), "another seed must give another run (else the test is void)");
    }

    @Test
    void theReadmeStatesWhatBitIdenticalResultsNeed() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme).replaceAll("\\s+", " ");
        assertTrue(text.contains("Bit-identical results need the same thread count and device"),
                "README.md must state the condition for bit-identical results");
    }
}
