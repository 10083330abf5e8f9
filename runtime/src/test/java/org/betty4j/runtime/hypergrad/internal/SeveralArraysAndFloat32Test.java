package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.problem.ParameterLists;
import org.junit.jupiter.api.Test;

/**
 * The products treat a problem's parameter list as one long vector: the quadratic
 * {@code ½ wᵀAw − wᵀBλ} with w split into arrays of 2 and 4 entries and λ into 1 and 2 must give
 * the same exact product as one array (float64, 1e-6 for CG with k = 6, 1e-4 for Neumann).
 * In float32, CG with k = 6 on eigenvalues 1 … 2 is checked at 1e-4 (float32 rounding, ~1e-7,
 * amplified by the solve).
 */
class SeveralArraysAndFloat32Test {

    private static final double[] EIGENVALUES = {1, 1.2, 1.4, 1.6, 1.8, 2};

    private record Result(double[] product, double[] exact) {}

    private static Result run(BestResponseJacobian method, HypergradConfig config, DataType type) {
        Random r = new Random(29);
        double[][] a = LinearAlgebra.symmetricWithEigenvalues(r, EIGENVALUES);
        double[][] b = LinearAlgebra.randomMatrix(r, 6, 3);
        double[] w0 = LinearAlgebra.randomVector(r, 6);
        double[] l0 = LinearAlgebra.randomVector(r, 3);
        double[] v = LinearAlgebra.randomVector(r, 6);
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w1 = m.create(new double[] {w0[0], w0[1]}).toType(type, false);
            NDArray w2 = m.create(new double[] {w0[2], w0[3], w0[4], w0[5]}).toType(type, false);
            NDArray l1 = m.create(new double[] {l0[0]}).toType(type, false);
            NDArray l2 = m.create(new double[] {l0[1], l0[2]}).toType(type, false);
            ParameterLists.of("w1", w1, "w2", w2, "l1", l1, "l2", l2);
            NDArray aArray = m.create(a).toType(type, false);
            NDArray bArray = m.create(b).toType(type, false);
            JacobianContext ctx = new JacobianContext("Lower", "Upper", new NDList(w1, w2), new NDList(l1, l2),
                    () -> BilevelQuadratic.cost(NDArrays.concat(new NDList(w1, w2)), NDArrays.concat(new NDList(l1, l2)),
                            aArray, bArray), config, Autograd.get());
            try (NDManager step = ClosedArrayBuffers.retaining(m.newSubManager()); GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDList vList = new NDList(step.create(new double[] {v[0], v[1]}).toType(type, false),
                        step.create(new double[] {v[2], v[3], v[4], v[5]}).toType(type, false));
                NDList out = method.apply(vList, ctx);
                assertEquals(2, out.size(), "one result per upper parameter array");
                assertEquals(1, out.get(0).size());
                assertEquals(type, out.get(1).getDataType());
                double[] product = NDArrays.concat(out).toType(DataType.FLOAT64, false).toDoubleArray();
                return new Result(product, LinearAlgebra.transposeTimes(b, LinearAlgebra.solve(a, v)));
            }
        }
    }

    @Test
    void cgAndNeumannTreatParameterListsAsOneVector() {
        Result cg = run(new AidConjugateGradient(), new HypergradConfig(HypergradMethod.AID_CG, 1.0, 6, false),
                DataType.FLOAT64);
        double cgError = LinearAlgebra.relativeError(cg.product(), cg.exact());
        Result neumann = run(new AidNeumann(), new HypergradConfig(HypergradMethod.AID_NEUMANN, 0.5, 60, false),
                DataType.FLOAT64);
        double neumannError = LinearAlgebra.relativeError(neumann.product(), neumann.exact());
        System.out.printf("split arrays, float64: AID_CG relative error %.3e, AID_NEUMANN %.3e%n", cgError, neumannError);
        assertTrue(cgError < 1e-6, "CG relative error " + cgError);
        assertTrue(neumannError < 1e-4, "Neumann relative error " + neumannError);
    }

    @Test
    void cgInFloat32IsAccurateToFloat32Rounding() {
        Result cg = run(new AidConjugateGradient(), new HypergradConfig(HypergradMethod.AID_CG, 1.0, 6, false),
                DataType.FLOAT32);
        double error = LinearAlgebra.relativeError(cg.product(), cg.exact());
        System.out.printf("split arrays, float32: AID_CG relative error %.3e%n", error);
        assertTrue(error < 1e-4, "CG relative error " + error);
    }
}
