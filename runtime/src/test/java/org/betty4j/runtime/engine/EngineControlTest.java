package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

/** Roll-back, stopping a run from a listener, and device fallback. */
class EngineControlTest {

    /**
     * Roll-back against its closed form (float64). L: C_L = ½‖θ − λ‖² (SGD lr a, unroll 2);
     * U: C_U = ½‖θ‖² (SGD lr b). AID-FD gives U's hypergradient θ₂ exactly (C_L is quadratic).
     * After 2 global steps: θ₁ = θ₀ − a(θ₀ − λ₀), θ₂ = θ₁ − a(θ₁ − λ₀), λ₁ = λ₀ − bθ₂; roll-back
     * then returns L to θ₀ and takes one step with λ₁: θ = θ₀ − a(θ₀ − λ₁).
     */
    @Test
    void rollBackRedoesOneStepFromTheInnerLoopStartWithTheNewUpper() {
        double[] t0 = {1.0, -2.0};
        double[] l0 = {0.5, 0.25};
        float a = 0.25f;
        float b = 0.5f;
        ToyProblem lower = new ToyProblem(t0, a);
        ToyProblem upper = new ToyProblem(l0, b);
        Program program = Program.builder("rollback")
                .problem(ToyProblem.node("L", 1, lower, 2, x -> lower.theta.sub(upper.theta).square().sum().mul(0.5))
                        .toBuilder().optRollBack(true).build())
                .problem(ToyProblem.node("U", 2, upper, 1, x -> lower.theta.square().sum().mul(0.5)))
                .upperToLower("U", "L")
                .lowerToUpper("L", "U")
                .path("U", "L", "U")
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(2).build())) {
            engine.run();
            double[] expectedTheta = new double[2];
            double[] expectedLambda = new double[2];
            for (int i = 0; i < 2; i++) {
                double t1 = t0[i] - a * (t0[i] - l0[i]);
                double t2 = t1 - a * (t1 - l0[i]);
                expectedLambda[i] = l0[i] - b * t2;
                expectedTheta[i] = t0[i] - a * (t0[i] - expectedLambda[i]);
            }
            assertArrayEquals(expectedLambda, engine.parameters("U").get(0).toDoubleArray(), 1e-9);
            assertArrayEquals(expectedTheta, engine.parameters("L").get(0).toDoubleArray(), 1e-9);
            assertEquals(2, engine.localSteps("L"), "the redone step is not a new local step");
        }
    }

    @Test
    void rollBackWithAccumulationIsRejected() {
        ToyProblem p = new ToyProblem(new double[] {1}, 0.1f);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ToyProblem
                .node("P", 1, p, 1, x -> p.theta.sum()).toBuilder().optRollBack(true).optGradientAccumulation(2).build());
        assertTrue(e.getMessage().contains("P"), e.getMessage());
    }

    @Test
    void aListenerCanStopTheRunCleanly() {
        ToyProblem p = new ToyProblem(new double[] {1, 2}, 0.1f);
        Program program = Program.builder("stop").problem(ToyProblem.node("P", 1, p, 1, x -> p.theta.square().sum())).build();
        boolean[] ended = new boolean[1];
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(100).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onGlobalStep(Engine e, int globalStep) {
                    if (globalStep == 7) {
                        e.requestStop("metric stopped improving");
                    }
                }

                @Override
                public void onRunEnd(Engine e) {
                    ended[0] = true;
                }
            });
            engine.run();
            assertEquals(7, engine.localSteps("P"));
            assertEquals(7, engine.globalStep());
            assertEquals("metric stopped improving", engine.stopReason().orElseThrow());
        }
        assertTrue(ended[0], "onRunEnd runs after a stop");
    }

    @Test
    void anUnusableGpuFallsBackToTheCpu() {
        ToyProblem p = new ToyProblem(new double[] {1}, 0.1f);
        Program program = Program.builder("device").problem(ToyProblem.node("P", 1, p, 1, x -> p.theta.square().sum())).build();
        int gpus = ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(1).optDevice(Device.gpu(gpus)).build())) {
            engine.run();
            assertEquals(Device.cpu(), engine.device());
            assertEquals(Device.cpu(), engine.parameters("P").get(0).getDevice());
        }
    }
}
