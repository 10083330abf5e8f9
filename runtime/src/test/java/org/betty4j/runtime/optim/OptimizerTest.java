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
}
