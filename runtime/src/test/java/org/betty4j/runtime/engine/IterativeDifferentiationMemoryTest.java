package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.hypergrad.IterativeDifferentiation;
import org.junit.jupiter.api.Test;

/**
 * No leak with ITD_RMAD: over 300 global steps of a 100k-parameter float64 lower problem with
 * 5 recorded updates per inner loop (60 hypergradients, each through 5 updates), the arrays the
 * engine holds at a loop's end do not change and resident memory stays within 40 MiB of the
 * memory after 50 steps.
 *
 * <p>Why the bound is meaningful: a recorded loop holds 5 parameter copies (4 MB); keeping one
 * loop's record past the next loop start would add 4 MB per loop, 200 MB over the 50 measured
 * loops, and one leaked parameter-sized array per step 200 MB too.
 */
class IterativeDifferentiationMemoryTest {

    private static final int N = 100_000;
    private static final int UNROLL = 5;

    @Test
    void heldArraysAndResidentMemoryAreFlat() {
        Random r = new Random(11);
        double[] w0 = new double[N];
        double[] l0 = new double[N];
        double[] a = new double[N];
        for (int i = 0; i < N; i++) {
            w0[i] = r.nextGaussian();
            l0[i] = r.nextGaussian();
            a[i] = 0.5 + r.nextDouble();
        }
        NDManager constants = NDManager.newBaseManager();
        NDArray curvature = constants.create(a);
        ToyProblem lower = new ToyProblem(w0, 0.25f);
        ToyProblem upper = new ToyProblem(l0, 0.001f);
        Program program = Program.builder("itd-memory")
                .problem(ProblemNode.builder("L", 1, lower)
                        .costFunction(batch -> org.betty4j.runtime.problem.Cost.of(lower.theta.square().mul(curvature)
                                .sum().mul(0.5).sub(lower.theta.mul(upper.theta).sum())))
                        .optUnrollSteps(UNROLL)
                        .optHypergrad(HypergradConfig.defaults(HypergradMethod.ITD_RMAD))
                        .build())
                .problem(ToyProblem.node("U", 2, upper, 1, batch -> lower.theta.square().sum().mul(0.5)))
                .upperToLower("U", "L")
                .lowerToUpper("L", "U")
                .path("U", "L", "U")
                .build();
        long[] rssAt50 = new long[1];
        int[] heldAt50 = new int[1];
        try (constants; Engine engine = new Engine(program, EngineConfig.builder().optIterations(300).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onGlobalStep(Engine e, int globalStep) {
                    if (globalStep == 50) {
                        System.gc();
                        rssAt50[0] = HypergradientMemoryTest.residentKiB();
                        heldAt50[0] = e.heldArrayCount();
                    }
                }
            });
            engine.run();
            System.gc();
            long rssEnd = HypergradientMemoryTest.residentKiB();
            long growthKiB = rssEnd - rssAt50[0];
            System.out.printf("ITD_RMAD memory: %d MiB after 50 steps, %d MiB after 300 (growth %d KiB); arrays held "
                    + "%d -> %d%n", rssAt50[0] / 1024, rssEnd / 1024, growthKiB, heldAt50[0], engine.heldArrayCount());
            assertEquals(300 / UNROLL, engine.localSteps("U"), "one hypergradient per inner loop");
            assertEquals(UNROLL, ((IterativeDifferentiation) engine.bestResponseJacobian("L")).lastUnrolledSteps());
            assertEquals(heldAt50[0], engine.heldArrayCount(), "arrays held by the engine at a loop's end");
            assertTrue(growthKiB < 40 * 1024, "resident memory grew by " + growthKiB + " KiB over 250 steps");
        }
    }
}
