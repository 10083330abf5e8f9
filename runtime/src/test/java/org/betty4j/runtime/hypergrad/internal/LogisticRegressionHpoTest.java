package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import java.util.Random;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;
import org.junit.jupiter.api.Test;

/**
 * Betty's own regression task (examples/logistic_regression_hpo), on data this test generates
 * with a fixed seed: bilevel logistic regression with a per-feature weight decay λ. 20
 * features, 1000 samples (label = [x·w_true + 0.1·noise > 0]) split in half; the inner problem
 * minimizes BCE(train) + ½ Σ λ_i w_i² with SGD lr 0.1 over 100 unroll steps, its weights reset
 * to zero at each unroll start; the outer problem minimizes BCE(validation) of the inner
 * weights with SGD lr 1.0 momentum 0.9, λ clamped ≥ 1e-8 after each update; 2000 global steps
 * (20 outer updates). The outer loss must fall below 0.48 for AID_FD, AID_CG (3 iterations,
 * α 0.1), AID_NEUMANN (3 iterations, α 0.1) and ITD_RMAD (reverse-mode through the 100 inner
 * SGD updates of each unroll, which the reset makes the whole inner procedure).
 */
class LogisticRegressionHpoTest {

    private static final int FEATURES = 20;
    private static final int SAMPLES = 1000;

    /** BCE with logits, stable form: mean(max(z, 0) − z·y + log(1 + exp(−|z|))). */
    private static NDArray bceWithLogits(NDArray logits, NDArray labels) {
        NDArray softplusTail = logits.abs().neg().exp().add(1).log();
        return logits.maximum(0).sub(logits.mul(labels)).add(softplusTail).mean();
    }

    /** A problem holding one float32 vector, trained on full batches of one data split. */
    private static final class Linear implements Trainable {
        private final float initial;
        private final Optimizer optimizer;
        private final double[][] x;
        private final double[] y;
        NDArray theta;
        private BatchSource data;
        private final boolean resetAtInnerLoopStart;
        private final boolean clampAfterUpdate;

        Linear(float initial, Optimizer optimizer, double[][] x, double[] y, boolean reset, boolean clamp) {
            this.initial = initial;
            this.optimizer = optimizer;
            this.x = x;
            this.y = y;
            this.resetAtInnerLoopStart = reset;
            this.clampAfterUpdate = clamp;
        }

        @Override
        public void setUp(ProblemContext context) {
            NDManager m = context.manager();
            theta = m.full(new ai.djl.ndarray.types.Shape(FEATURES), initial, DataType.FLOAT32);
            data = ArrayBatchSource.builder(m.create(x).toType(DataType.FLOAT32, false),
                    m.create(y).toType(DataType.FLOAT32, false)).optBatchSize(y.length).optShuffle(false).build();
        }

        @Override
        public ParameterList parameters() {
            return ParameterLists.of("theta", theta);
        }

        @Override
        public Optimizer optimizer() {
            return optimizer;
        }

        @Override
        public BatchSource data() {
            return data;
        }

        @Override
        public void onInnerLoopStart() {
            if (resetAtInnerLoopStart) {
                try (GradMode off = GradMode.disabled()) {
                    theta.muli(0);
                }
            }
        }

        @Override
        public void afterUpdate() {
            if (clampAfterUpdate) {
                try (GradMode off = GradMode.disabled(); NDArray clamped = theta.maximum(1e-8f)) {
                    theta.muli(0).addi(clamped);
                }
            }
        }
    }

    private static double finalOuterLoss(HypergradConfig hypergrad) {
        Random r = new Random(2022);
        double[] wTrue = LinearAlgebra.randomVector(r, FEATURES);
        double[][] x = new double[SAMPLES][];
        double[] y = new double[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            x[i] = LinearAlgebra.randomVector(r, FEATURES);
            double score = 0;
            for (int j = 0; j < FEATURES; j++) {
                score += x[i][j] * wTrue[j];
            }
            y[i] = score + 0.1 * r.nextGaussian() > 0 ? 1 : 0;
        }
        int half = SAMPLES / 2;
        Linear inner = new Linear(0f, Sgd.builder().setLearningRate(0.1f).build(),
                java.util.Arrays.copyOfRange(x, 0, half), java.util.Arrays.copyOfRange(y, 0, half), true, false);
        Linear outer = new Linear(1f, Sgd.builder().setLearningRate(1.0f).optMomentum(0.9f).build(),
                java.util.Arrays.copyOfRange(x, half, SAMPLES), java.util.Arrays.copyOfRange(y, half, SAMPLES), false,
                true);
        Program program = Program.builder("logistic-regression-hpo")
                .problem(ProblemNode.builder("inner", 1, inner)
                        .costFunction(batch -> Cost.of(innerCost(batch, inner.theta, outer.theta)))
                        .optUnrollSteps(100)
                        .optHypergrad(hypergrad)
                        .build())
                .problem(ProblemNode.builder("outer", 2, outer)
                        .costFunction(batch -> Cost.of(bceWithLogits(features(batch).matMul(inner.theta), labels(batch))))
                        .build())
                .upperToLower("outer", "inner")
                .lowerToUpper("inner", "outer")
                .path("outer", "inner", "outer")
                .build();
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

    private static NDArray features(Batch batch) {
        return batch.getData().head();
    }

    private static NDArray labels(Batch batch) {
        return batch.getLabels().head();
    }

    private static NDArray innerCost(Batch batch, NDArray w, NDArray lambda) {
        NDArray fit = bceWithLogits(features(batch).matMul(w), labels(batch));
        return fit.add(w.square().mul(lambda).sum().mul(0.5f));
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
