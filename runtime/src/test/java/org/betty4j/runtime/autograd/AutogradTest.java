package org.betty4j.runtime.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/**
 * The facade against closed forms. Inputs are float64 so the comparisons hold to 1e-12
 * (pure arithmetic on a few numbers; the only error is rounding).
 */
class AutogradTest {

    private static final double TOL = 1e-12;

    @Test
    void gradientOfCubicSumIsThreeXSquared() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new double[] {1.0, -2.0, 0.5});
            w.setRequiresGradient(true);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray f = w.pow(3).sum();
                NDList g = Autograd.get().grad(f, new NDList(w), false);
                assertArrayEquals(new double[] {3.0, 12.0, 0.75}, g.get(0).toDoubleArray(), TOL);
            }
        }
    }

    @Test
    void hessianVectorProductOfCubicSumIsSixXTimesV() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new double[] {1.0, -2.0, 0.5});
            w.setRequiresGradient(true);
            NDArray v = m.create(new double[] {0.3, 0.7, -1.1});
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray f = w.pow(3).sum();
                NDList g = Autograd.get().grad(f, new NDList(w), true);
                NDList hv = Autograd.get().hvp(g, new NDList(w), new NDList(v), false);
                // H = diag(6 w)
                assertArrayEquals(new double[] {6 * 1.0 * 0.3, 6 * -2.0 * 0.7, 6 * 0.5 * -1.1},
                        hv.get(0).toDoubleArray(), TOL);
            }
        }
    }

    @Test
    void mixedSecondDerivativeProductAndUnusedInputsGetZeros() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            // f(x, y) = sum(x^2 * y) ; d2f/dy dx . v = 2 x * v (elementwise)
            NDArray x = m.create(new double[] {1.5, -0.5});
            NDArray y = m.create(new double[] {2.0, 3.0});
            NDArray unused = m.create(new double[] {9.0});
            x.setRequiresGradient(true);
            y.setRequiresGradient(true);
            unused.setRequiresGradient(true);
            NDArray v = m.create(new double[] {1.0, 2.0});
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray f = x.square().mul(y).sum();
                NDList gx = Autograd.get().grad(f, new NDList(x), true);
                NDList mixed = Autograd.get().vjp(gx, new NDList(y, unused), new NDList(v), false);
                assertArrayEquals(new double[] {2 * 1.5 * 1.0, 2 * -0.5 * 2.0}, mixed.get(0).toDoubleArray(), TOL);
                assertArrayEquals(new double[] {0.0}, mixed.get(1).toDoubleArray(), 0.0);
            }
        }
    }

    @Test
    void namesOfCallerArraysAreRestored() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new double[] {1.0, 2.0});
            w.setName("weight");
            w.setRequiresGradient(true);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray f = w.sum();
                f.setName("loss");
                Autograd.get().grad(f, new NDList(w), false);
                assertEquals("weight", w.getName());
                assertEquals("loss", f.getName());
            }
        }
    }

    @Test
    void costWithoutGraphIsAClearError() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new double[] {1.0, 2.0});
            w.setRequiresGradient(true);
            NDArray f = w.stopGradient().sum();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Autograd.get().grad(f, new NDList(w), false));
            assertTrue(e.getMessage().contains("carries no gradient graph"), e.getMessage());
        }
    }

    @Test
    void inputWithoutGradientIsAClearError() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new double[] {1.0, 2.0});
            NDArray frozen = m.create(new double[] {1.0}, new ai.djl.ndarray.types.Shape(1));
            w.setRequiresGradient(true);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray f = w.sum();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Autograd.get().grad(f, new NDList(w, frozen), false));
                assertTrue(e.getMessage().contains("does not require gradients"), e.getMessage());
            }
            assertEquals(DataType.FLOAT64, w.getDataType());
        }
    }
}
