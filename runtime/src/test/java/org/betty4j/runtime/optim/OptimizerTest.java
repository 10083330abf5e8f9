package org.betty4j.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** Optimizer updates against hand-computed closed forms (float64, tolerance 1e-12: a few flops). */
class OptimizerTest {

    @Test
    void sgdWithMomentumAndScheduleFollowsTheRecurrence() {
        try (NDManager m = NDManager.newBaseManager(); NDManager state = m.newSubManager()) {
            NDArray p = m.create(new double[] {1.0, -2.0});
            NDArray g = m.create(new double[] {0.5, 0.25});
            LearningRateSchedule schedule = LearningRateSchedule.steps(0.1f, 0.5f, 1);
            Sgd sgd = Sgd.builder().setLearningRate(0.1f).optMomentum(0.9f).optSchedule(schedule).build();
            sgd.step(new NDList(p), new NDList(g), state);
            sgd.step(new NDList(p), new NDList(g), state);
            double lr0 = 0.1f;
            double lr1 = 0.1f * 0.5f;
            double mom = 0.9f;
            double[] expected = new double[2];
            double[] p0 = {1.0, -2.0};
            double[] gg = {0.5, 0.25};
            for (int i = 0; i < 2; i++) {
                double v1 = gg[i];
                double v2 = mom * v1 + gg[i];
                expected[i] = p0[i] - lr0 * v1 - lr1 * v2;
            }
            assertArrayEquals(expected, p.toDoubleArray(), 1e-12);
            assertEquals(2, sgd.updates());
            assertEquals(1, state.getManagedArrays().size(), "momentum state lives in the state manager");
        }
    }

    @Test
    void adamFirstStepMovesEachCoordinateByTheLearningRate() {
        try (NDManager m = NDManager.newBaseManager(); NDManager state = m.newSubManager()) {
            NDArray p = m.create(new double[] {1.0, -2.0});
            NDArray g = m.create(new double[] {3.0, -0.01});
            Adam adam = Adam.builder().optLearningRate(0.01f).optEpsilon(1e-12f).build();
            adam.step(new NDList(p), new NDList(g), state);
            // bias-corrected first step: m̂/√v̂ = sign(g)
            assertArrayEquals(new double[] {1.0 - 0.01f, -2.0 + 0.01f}, p.toDoubleArray(), 1e-9);
        }
    }

    @Test
    void anUpdateLeavesOnlyTheParametersAndItsStateWhereverTheOperandsLive() {
        // the rule's intermediates land in their first operand's manager (parameters, gradients,
        // state): every one is freed, the state stays in the state manager, the operands stay put
        Optimizer[] optimizers = {
            Sgd.builder().setLearningRate(0.1f).build(),
            Sgd.builder().setLearningRate(0.1f).optMomentum(0.9f).optWeightDecay(0.01f).build(),
            Adam.builder().optLearningRate(0.01f).optWeightDecay(0.01f).build()};
        int[] stateArrays = {0, 2, 4};
        for (int o = 0; o < optimizers.length; o++) {
            try (NDManager params = NDManager.newBaseManager(); NDManager grads = NDManager.newBaseManager();
                    NDManager state = params.newSubManager()) {
                NDList p = new NDList(params.create(new double[] {1.0, -2.0}), params.create(new double[] {3.0}));
                NDList g = new NDList(grads.create(new double[] {0.5, 0.25}), grads.create(new double[] {-1.0}));
                for (int step = 0; step < 3; step++) {
                    optimizers[o].step(p, g, state);
                }
                String what = optimizers[o].updateRule().orElseThrow().toString();
                assertEquals(stateArrays[o], state.getManagedArrays().size(), what);
                assertEquals(2 + stateArrays[o], params.getManagedArrays().size(), what + ": parameters and state");
                assertEquals(2, grads.getManagedArrays().size(), what + ": the gradients only");
                for (NDArray a : p) {
                    assertEquals(params, a.getManager(), what);
                }
            }
        }
    }

    @Test
    void cosineScheduleHitsItsEndpoints() {
        LearningRateSchedule c = LearningRateSchedule.cosine(0.1f, 100, 0.01f);
        assertEquals(0.1f, c.at(0), 1e-7);
        assertEquals(0.055f, c.at(50), 1e-6);
        assertEquals(0.01f, c.at(100), 1e-7);
        assertEquals(0.01f, c.at(1000), 1e-7);
        for (int i = 1; i <= 100; i++) {
            assertTrue(c.at(i) <= c.at(i - 1), "cosine decay is monotone");
        }
    }

    @Test
    void badSettingsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sgd.builder().setLearningRate(-1f).build());
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sgd.builder().setLearningRate(0.1f).optMomentum(1f).build());
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.steps(0.1f, 0.1f, 5, 3));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(0.1f, 0, 0f));
    }

    /**
     * The update rules give, bit for bit, what the in-place formulas written out here give
     * (float32, 5 updates with weight decay; momentum for Sgd), so writing each rule once as a
     * function changed no number.
     */
    @Test
    void rulesAreBitIdenticalToTheInPlaceFormulas() {
        float rate = 0.05f;
        float momentum = 0.875f;
        float wd = 0.0625f;
        float beta1 = 0.75f;
        float beta2 = 0.9375f;
        float eps = 1e-6f;
        try (NDManager m = NDManager.newBaseManager(); NDManager state = m.newSubManager()) {
            java.util.Random r = new java.util.Random(3);
            float[] start = new float[12];
            for (int i = 0; i < start.length; i++) {
                start[i] = (float) r.nextGaussian();
            }
            NDArray[] grads = new NDArray[5];
            for (int t = 0; t < grads.length; t++) {
                float[] g = new float[12];
                for (int i = 0; i < g.length; i++) {
                    g[i] = i == 3 ? 0f : (float) r.nextGaussian(); // one coordinate never moves Adam's s
                }
                grads[t] = m.create(g, new ai.djl.ndarray.types.Shape(3, 4));
            }
            NDArray sgdP = m.create(start, new ai.djl.ndarray.types.Shape(3, 4));
            NDArray adamP = sgdP.duplicate();
            NDArray refSgd = sgdP.duplicate();
            NDArray refAdam = sgdP.duplicate();
            NDArray velocity = refSgd.zerosLike();
            NDArray m1 = refSgd.zerosLike();
            NDArray m2 = refSgd.zerosLike();
            Sgd sgd = Sgd.builder().setLearningRate(rate).optMomentum(momentum).optWeightDecay(wd).build();
            Adam adam = Adam.builder().optLearningRate(rate).optBetas(beta1, beta2).optEpsilon(eps).optWeightDecay(wd)
                    .build();
            for (int t = 0; t < grads.length; t++) {
                sgd.step(new NDList(sgdP), new NDList(grads[t]), state);
                adam.step(new NDList(adamP), new NDList(grads[t]), state);
                NDArray d = refSgd.mul(wd).addi(grads[t]);
                d = velocity.muli(momentum).addi(d);
                refSgd.subi(d.mul(rate));
                int k = t + 1;
                float c1 = (float) (1 - Math.pow(beta1, k));
                float c2 = (float) (1 - Math.pow(beta2, k));
                NDArray ad = refAdam.mul(wd).addi(grads[t]);
                m1.muli(beta1).addi(ad.mul(1 - beta1));
                m2.muli(beta2).addi(ad.square().muli(1 - beta2));
                NDArray denom = m2.div(c2).sqrt().addi(eps);
                refAdam.subi(m1.div(c1).divi(denom).muli(rate));
            }
            assertArrayEquals(refSgd.toFloatArray(), sgdP.toFloatArray(), 0f, "Sgd");
            assertArrayEquals(refAdam.toFloatArray(), adamP.toFloatArray(), 0f, "Adam");
            assertTrue(!java.util.Arrays.equals(start, sgdP.toFloatArray()), "the parameters moved");
        }
    }
}
