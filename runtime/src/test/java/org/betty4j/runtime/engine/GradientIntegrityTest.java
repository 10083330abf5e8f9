package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.betty4j.runtime.autograd.ClosedArrayBuffersTest;
import org.junit.jupiter.api.Test;

/**
 * The engine's steps are protected from DJL's from_blob use-after-free (see
 * {@code ClosedArrayBuffers}): a training step whose cost multiplies by a Java number, with a
 * garbage collection and reuse of freed direct memory between the forward and the backward
 * pass, still gets exact gradients. Cost {@code 3·Σθ} with SGD lr 0.125: after 40 steps
 * θ = θ₀ − 40·0.125·3 exactly (binary fractions). Without the workaround most steps take a
 * wrong gradient (checked by removing it: the test fails).
 */
class GradientIntegrityTest {

    @Test
    void scalarOperandsStayValidUntilTheBackwardPass() {
        ToyProblem p = new ToyProblem(new double[] {1, -2, 0.5}, 0.125f);
        Program program = Program.builder("integrity")
                .problem(ToyProblem.node("P", 1, p, 1, batch -> {
                    var cost = p.theta.mul(3.0).sum();
                    ClosedArrayBuffersTest.collectAndReuseDirectMemory();
                    return cost;
                }))
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(40).build())) {
            engine.run();
            assertArrayEquals(new double[] {1 - 15, -2 - 15, 0.5 - 15}, engine.parameters("P").get(0).toDoubleArray(),
                    0.0);
        }
    }
}
