package org.betty4j.example.darts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Program 5 (DARTS): the mixed cell, the search's wiring and hypergradient, the quick mode. */
class DartsProgramTest {

    @Test
    void generatedWiringHasTheTwoLevelsAndOnePath() {
        assertEquals(List.of("NetworkWeights", "Architecture"), ArchitectureEngine.EXECUTION_ORDER);
        assertEquals(List.of(List.of("Architecture", "NetworkWeights", "Architecture")), ArchitectureEngine.program().pathsOf("Architecture"));
    }

    /**
     * With α putting (numerically) all its mass on one operation per edge, the mixed cell
     * computes the discrete cell of those operations.
     */
    @Test
    void mixedCellWithOneHotArchitectureIsTheDiscreteCell() {
        try (NDManager m = NDManager.newBaseManager()) {
            CellNetwork net = CellNetwork.create(m, 12, 8, 10, new Random(3), DataType.FLOAT32);
            CellNetwork.Op[] ops = {CellNetwork.Op.LINEAR_RELU, CellNetwork.Op.IDENTITY, CellNetwork.Op.LINEAR_TANH,
                CellNetwork.Op.ZERO, CellNetwork.Op.LINEAR_TANH, CellNetwork.Op.IDENTITY};
            float[] a = new float[CellNetwork.EDGES * CellNetwork.Op.COUNT];
            for (int e = 0; e < CellNetwork.EDGES; e++) {
                a[e * CellNetwork.Op.COUNT + ops[e].ordinal()] = 40f;
            }
            NDArray alpha = m.create(a, new Shape(CellNetwork.EDGES, CellNetwork.Op.COUNT));
            NDArray x = m.randomUniform(0, 1, new Shape(5, 12));
            float[] mixed = net.mixedLogits(x, alpha).toFloatArray();
            float[] discrete = net.discreteLogits(x, ops).toFloatArray();
            assertArrayEquals(discrete, mixed, 1e-5f);
            // and a different architecture gives different logits (the test would otherwise prove nothing)
            CellNetwork.Op[] other = ops.clone();
            other[0] = CellNetwork.Op.LINEAR_TANH;
            assertNotEquals(Arrays.toString(discrete), Arrays.toString(net.discreteLogits(x, other).toFloatArray()));
        }
    }

    @Test
    void derivationTakesTheLargestNonZeroOperation() {
        try (Engine engine = ArchitectureEngine.create(EngineConfig.builder().optIterations(1).build())) {
            engine.run();
            Architecture arch = (Architecture) engine.program().problem("Architecture").trainable();
            float[] a = new float[CellNetwork.EDGES * CellNetwork.Op.COUNT];
            for (int e = 0; e < CellNetwork.EDGES; e++) {
                a[e * CellNetwork.Op.COUNT + CellNetwork.Op.ZERO.ordinal()] = 9f;   // ignored: zero is never derived
                a[e * CellNetwork.Op.COUNT + 1 + e % 3] = 1f;
            }
            arch.alpha().set(a);
            CellNetwork.Op[] derived = arch.derive();
            for (int e = 0; e < CellNetwork.EDGES; e++) {
                assertEquals(CellNetwork.Op.values()[1 + e % 3], derived[e], "edge " + e);
            }
        }
    }

    /** After a short search the architecture parameters have moved away from the uniform start. */
    @Test
    void searchMovesTheArchitecture() {
        try (Engine engine = ArchitectureEngine.create(EngineConfig.builder().optIterations(20).optSeed(1).build())) {
            engine.run();
            assertEquals(20, engine.localSteps("Architecture"));
            float[] alpha = engine.parameters("Architecture").get(0).toFloatArray();
            double moved = 0;
            for (float v : alpha) {
                moved = Math.max(moved, Math.abs(v));
            }
            // Adam moves every entry with a non-zero gradient by about lr = 0.01 per step
            assertTrue(moved > 0.05, "largest |α| after 20 steps: " + moved);
        }
    }

    @Test
    void quickModeWritesTheTableAndPlot(@TempDir Path dir) throws Exception {
        StringWriter log = new StringWriter();
        int code = DartsApp.run(new String[] {"--quick", "--out", dir.toString()}, new PrintWriter(log, true));
        assertEquals(0, code, log.toString());
        String md = Files.readString(dir.resolve("results.md"));
        for (String row : List.of("| derived by the search (MLO)", "| fixed: every edge linear+relu", "| random:")) {
            assertTrue(md.contains(row), "missing row " + row + " in\n" + md);
        }
        assertTrue(Files.size(dir.resolve("search-validation-loss.png")) > 1000);
    }
}
