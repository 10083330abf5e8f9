package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Per-problem systems: gradient accumulation, clipping, warm-up, callbacks and the
 * skip-non-finite policy, each against a closed form or an exact count (float64).
 */
class EngineFeaturesTest {

    /** ToyProblem with every callback recorded. */
    private static class Observed extends ToyProblemDelegate {
        int innerLoopStarts;
        int updates;
        final List<double[]> gradientsSeen = new ArrayList<>();
        boolean clampAtZero;

        Observed(double[] initial, float lr) {
            super(initial, lr);
        }

        @Override
        public void afterGradients(NDList parameters, NDList gradients) {
            gradientsSeen.add(gradients.get(0).toDoubleArray());
        }

        @Override
        public void afterUpdate() {
            updates++;
            if (clampAtZero) {
                NDArray t = theta();
                t.muli(t.gte(0).toType(t.getDataType(), false));
            }
        }

        @Override
        public void onInnerLoopStart() {
            innerLoopStarts++;
        }
    }

    @Test
    void gradientAccumulationAveragesStepsIntoOneUpdate() {
        Observed p = new Observed(new double[] {2.0, -4.0}, 0.25f);
        Program program = Program.builder("acc")
                .problem(ToyProblem.node("P", 1, p.toy(), 1, b -> p.theta().square().sum().mul(0.5))
                        .toBuilder().optGradientAccumulation(2).build())
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(4).build())) {
            engine.run();
            // steps 1-2 both see theta0, the update is theta0 - lr*theta0; likewise steps 3-4
            double f = (1 - 0.25) * (1 - 0.25);
            assertArrayEquals(new double[] {2.0 * f, -4.0 * f}, engine.parameters("P").get(0).toDoubleArray(), 1e-12);
        }
        assertEquals(2, p.updates);
    }

    @Test
    void clippingScalesTheUpdateToTheMaximumNorm() {
        Observed p = new Observed(new double[] {0.0, 0.0, 0.0, 0.0}, 0.5f);
        Program program = Program.builder("clip")
                .problem(ToyProblem.node("P", 1, p.toy(), 1, b -> p.theta().sum().mul(100))
                        .toBuilder().optClipGradNorm(1.0).build())
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(1).build())) {
            engine.run();
            // gradient (100,100,100,100) has norm 200 -> clipped to norm 1: each entry 0.5
            assertArrayEquals(new double[] {-0.25, -0.25, -0.25, -0.25},
                    engine.parameters("P").get(0).toDoubleArray(), 1e-12);
        }
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5}, p.gradientsSeen.get(0), 1e-12,
                "afterGradients sees the clipped gradient");
    }

    @Test
    void warmUpDelaysTheFirstSignalAndInnerLoopStartsAreCounted() {
        Observed lower = new Observed(new double[] {1.0}, 0.1f);
        Observed upper = new Observed(new double[] {1.0}, 0.1f);
        Program program = Program.builder("warm")
                .problem(ToyProblem.node("L", 1, lower.toy(), 2, b -> lower.theta().sub(upper.theta()).square().sum())
                        .toBuilder().optWarmupSteps(4).build())
                .problem(ToyProblem.node("U", 2, upper.toy(), 1, b -> lower.theta().square().sum()))
                .upperToLower("U", "L")
                .lowerToUpper("L", "U")
                .path("U", "L", "U")
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(10).build())) {
            engine.run();
            // L signals at local steps 2,4,6,8,10 but only after more than 4 steps: 6, 8, 10
            assertEquals(3, engine.localSteps("U"));
        }
        assertEquals(5, lower.innerLoopStarts, "one inner loop per 2 local steps");
        assertEquals(10, lower.updates);
    }

    @Test
    void afterUpdateCanClampAHyperparameter() {
        Observed p = new Observed(new double[] {0.05, 1.0}, 0.1f);
        p.clampAtZero = true;
        Program program = Program.builder("clamp")
                .problem(ToyProblem.node("P", 1, p.toy(), 1, b -> p.theta().sum()))
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(3).build())) {
            engine.run();
            double[] t = engine.parameters("P").get(0).toDoubleArray();
            assertEquals(0.0, t[0], 0.0, "clamped at zero");
            assertEquals(1.0 - 3 * (double) 0.1f, t[1], 1e-12);
        }
    }

    @Test
    void onEpochIsCalledWhenTheDataSourceCompletesAPass() {
        List<Integer> epochs = new ArrayList<>();
        Observed p = new Observed(new double[] {1.0}, 0.1f) {
            private org.betty4j.runtime.data.BatchSource source;

            @Override
            public void setUp(org.betty4j.runtime.problem.ProblemContext context) {
                super.setUp(context);
                var m = context.manager();
                source = org.betty4j.runtime.data.ArrayBatchSource
                        .builder(m.create(new float[] {1, 2, 3, 4}).reshape(4, 1), m.create(new float[] {0, 0, 0, 0}))
                        .optBatchSize(2).build();
            }

            @Override
            public org.betty4j.runtime.data.BatchSource data() {
                return source;
            }

            @Override
            public void onEpoch(int epoch) {
                epochs.add(epoch);
            }
        };
        Program program = Program.builder("epochs")
                .problem(ToyProblem.node("P", 1, p.toy(), 1, b -> p.theta().square().sum()))
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(6).build())) {
            engine.run();
        }
        // 4 samples in batches of 2: a pass ends every 2 steps
        assertEquals(List.of(1, 2, 3), epochs);
    }

    @Test
    void skipPolicyGoesOnPastNonFiniteLosses() {
        Observed p = new Observed(new double[] {1.0, 2.0}, 0.1f);
        Program program = Program.builder("skip")
                .problem(ToyProblem.node("P", 1, p.toy(), 1, b -> p.theta().sum().log()))
                .build();
        try (Engine engine = new Engine(program,
                EngineConfig.builder().optIterations(100).optSkipNonFinite(true).build())) {
            engine.run();
            assertEquals(100, engine.localSteps("P"));
            assertTrue(engine.skippedSteps("P") > 0, "the log of a non-positive sum must have been skipped");
            assertEquals(100, engine.skippedSteps("P") + p.updates);
        }
    }
}
