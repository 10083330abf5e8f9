package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.script.ScriptedHpo;
import org.junit.jupiter.api.Test;

/**
 * Betty's own regression task (examples/logistic_regression_hpo) as {@link ScriptedHpo} builds it
 * without its script, on data generated with a fixed seed: bilevel logistic regression with a
 * per-feature weight decay λ. 20 features, 1000 samples (label = [x·w_true + 0.1·noise > 0]) split in half; the inner problem
 * minimizes BCE(train) + ½ Σ λ_i w_i² with SGD lr 0.1 over 100 unroll steps, its weights reset
 * to zero at each unroll start; the outer problem minimizes BCE(validation) of the inner
 * weights with SGD lr 1.0 momentum 0.9, λ clamped ≥ 1e-8 after each update; 2000 global steps
 * (20 outer updates). The outer loss must fall below 0.48 for AID_FD, AID_CG (3 iterations,
 * α 0.1), AID_NEUMANN (3 iterations, α 0.1) and ITD_RMAD (reverse-mode through the 100 inner
 * SGD updates of each unroll, which the reset makes the whole inner procedure).
 */
class LogisticRegressionHpoTest {

    private static double finalOuterLoss(HypergradConfig hypergrad) {
        ScriptedHpo.Settings settings = new ScriptedHpo.Settings();
        settings.scripted = false;
        settings.hypergrad = hypergrad;
        Program program = new ScriptedHpo().program(settings);
        double[] firstAndLast = {Double.NaN, Double.NaN};
        long start = System.nanoTime();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(2000).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
                    if (problem.name().equals("outer")) {
                        if (localStep == 1) {
                            firstAndLast[0] = loss;
                        }
                        firstAndLast[1] = loss;
                    }
                }
            });
            engine.run();
            assertEquals(20, engine.localSteps("outer"), "one outer update per 100 inner steps");
        }
        System.out.printf("logistic regression HPO, %s: outer loss %.4f at the first outer step, %.4f at the last "
                + "(%.1f s)%n", hypergrad, firstAndLast[0], firstAndLast[1], (System.nanoTime() - start) / 1e9);
        return firstAndLast[1];
    }

    @Test
    void aidFdReachesBettysThreshold() {
        assertBelowThreshold(HypergradConfig.defaults(HypergradMethod.AID_FD));
    }

    @Test
    void aidCgReachesBettysThreshold() {
        assertBelowThreshold(new HypergradConfig(HypergradMethod.AID_CG, 0.1, 3, false));
    }

    @Test
    void aidNeumannReachesBettysThreshold() {
        assertBelowThreshold(new HypergradConfig(HypergradMethod.AID_NEUMANN, 0.1, 3, false));
    }

    @Test
    void itdRmadReachesBettysThreshold() {
        assertBelowThreshold(HypergradConfig.defaults(HypergradMethod.ITD_RMAD));
    }

    private static void assertBelowThreshold(HypergradConfig config) {
        double loss = finalOuterLoss(config);
        assertTrue(loss < 0.48, config + ": final outer loss " + loss);
    }
}
