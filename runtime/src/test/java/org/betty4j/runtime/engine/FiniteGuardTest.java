package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import java.util.function.Function;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;
import org.junit.jupiter.api.Test;

/**
 * The non-finite guard (float64, closed forms): it names the gradient array that is non-finite,
 * it does not fire when only the sum it reduces with overflows, and it blames the problem whose
 * update produced the value (with its last finite norm and its learning rate) rather than the
 * upper problem whose loss first shows it.
 */
class FiniteGuardTest {

    /**
     * A bilevel program: the inner cost {@code Σ θ·λ} has the constant gradient λ, so one inner
     * SGD step gives {@code θ₁ = θ₀ − lr·λ} exactly; the outer cost is {@code outerCost(θ)}.
     */
    private static Program bilevel(ToyProblem inner, ToyProblem outer, Function<NDArray, NDArray> outerCost) {
        return Program.builder("blame")
                .problem(ToyProblem.node("Inner", 1, inner, 1, b -> inner.theta.mul(outer.theta).sum()))
                .problem(ToyProblem.node("Outer", 2, outer, 1, b -> outerCost.apply(inner.theta)))
                .upperToLower("Outer", "Inner")
                .lowerToUpper("Inner", "Outer")
                .path("Outer", "Inner", "Outer")
                .build();
    }

    @Test
    void anInnerUpdateThatOverflowsIsBlamedOnTheInnerProblemNotOnTheOuterLoss() {
        // θ₁ = 1 − 1e30·1e300 = −∞ (float64 overflow); the outer loss Σθ is then −∞
        ToyProblem inner = new ToyProblem(new double[] {1}, 1e30f);
        ToyProblem outer = new ToyProblem(new double[] {1e300}, 0.1f);
        try (Engine engine = new Engine(bilevel(inner, outer, NDArray::sum),
                EngineConfig.builder().optIterations(3).build())) {
            NonFiniteValueException e = assertThrows(NonFiniteValueException.class, engine::run);
            String m = e.getMessage();
            assertEquals("Inner", e.problem(), m);
            assertEquals(1, e.localStep(), m);
            assertEquals(1, e.globalStep(), m);
            assertEquals("parameter 'theta'", e.quantity(), m);
            assertTrue(m.startsWith("Inner: its update made parameter 'theta' non-finite"), m);
            assertTrue(m.contains("last finite norm 1.000 at local step 1"), m);
            assertTrue(m.contains("found as Outer: the loss is -Infinity"), m);
            assertTrue(m.contains("Lower Inner's learning rate (now 1.0E30)"), m);
        }
    }

    @Test
    void aProblemWhoseOwnUpdateOverflowsIsNamedWithItsLastFiniteNorm() {
        // Σ θ·1e300 has the gradient 1e300; θ₁ = 3 − 1e30·1e300 = −∞, so step 2's loss is −∞
        ToyProblem p = new ToyProblem(new double[] {3}, 1e30f);
        Program program = Program.builder("solo")
                .problem(ToyProblem.node("Solo", 1, p, 1, b -> p.theta.mul(1e300).sum()))
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(3).build())) {
            NonFiniteValueException e = assertThrows(NonFiniteValueException.class, engine::run);
            String m = e.getMessage();
            assertEquals("Solo", e.problem(), m);
            assertEquals(2, e.globalStep(), m);
            assertTrue(m.startsWith("Solo: its update made parameter 'theta' non-finite (its last finite norm 3.000 at "
                    + "local step 1"), m);
            assertTrue(m.contains("found as Solo: the loss is -Infinity at local step 2 (global step 2)"), m);
        }
    }

    @Test
    void aFiniteButExplosiveInnerUpdateIsBlamedWithTheNormBeforeAndAfter() {
        // θ₁ = 1 − 1e10·1e20 = −1e30 + 1, finite; the outer loss exp(−Σθ) = exp(1e30) = ∞
        ToyProblem inner = new ToyProblem(new double[] {1}, 1e10f);
        ToyProblem outer = new ToyProblem(new double[] {1e20}, 0.1f);
        try (Engine engine = new Engine(bilevel(inner, outer, t -> t.sum().neg().exp()),
                EngineConfig.builder().optIterations(3).build())) {
            NonFiniteValueException e = assertThrows(NonFiniteValueException.class, engine::run);
            String m = e.getMessage();
            assertEquals("Inner", e.problem(), m);
            assertTrue(m.contains("grew the norm of parameter 'theta' from 1.000 (last value before it) to 1.000e+30"),
                    m);
            assertTrue(m.contains("found as Outer: the loss is Infinity"), m);
        }
    }

    @Test
    void aLeafsNonFiniteLossFromFiniteParametersIsNamedBeforeAnythingMoves() {
        // log(Σθ) with Σθ = −1 is NaN: the loss is read with the guard's sums, still reported as the loss
        ToyProblem p = new ToyProblem(new double[] {-1}, 0.1f);
        Program program = Program.builder("solo")
                .problem(ToyProblem.node("Solo", 1, p, 1, b -> p.theta.sum().log()))
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(2).build())) {
            NonFiniteValueException e = assertThrows(NonFiniteValueException.class, engine::run);
            String m = e.getMessage();
            assertEquals("Solo", e.problem(), m);
            assertEquals("the loss", e.quantity(), m);
            assertEquals(1, e.localStep(), m);
            assertTrue(m.startsWith("Solo: the loss is NaN at local step 1 (global step 1) while every problem's "
                    + "parameters are finite"), m);
        }
        ToyProblem skipped = new ToyProblem(new double[] {-1}, 0.1f);
        Program again = Program.builder("solo")
                .problem(ToyProblem.node("Solo", 1, skipped, 1, b -> skipped.theta.sum().log()))
                .build();
        try (Engine engine = new Engine(again, EngineConfig.builder().optIterations(2).optSkipNonFinite(true).build())) {
            engine.run();
            assertEquals(2, engine.skippedSteps("Solo"));
            assertEquals(-1.0, engine.parameters("Solo").get(0).getDouble(0), "a skipped step moves nothing");
        }
    }

    @Test
    void aOneElementLossOfAnyShapeIsReadWithTheSumsAndReported() {
        // (1)- and (1, 1)-shaped losses stack with the 0-d sums; the listener gets the loss's value
        for (ai.djl.ndarray.types.Shape shape : java.util.List.of(new ai.djl.ndarray.types.Shape(1),
                new ai.djl.ndarray.types.Shape(1, 1))) {
            ToyProblem p = new ToyProblem(new double[] {1.5, 2}, 0.1f);
            Program program = Program.builder("solo")
                    .problem(ToyProblem.node("Solo", 1, p, 1, b -> p.theta.sum().reshape(shape)))
                    .build();
            java.util.List<Double> losses = new java.util.ArrayList<>();
            try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(2).build())) {
                engine.addListener(new EngineListener() {
                    @Override
                    public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss,
                            org.betty4j.runtime.problem.Cost cost) {
                        losses.add(loss);
                    }
                });
                engine.run();
            }
            // Σθ = 3.5, then every coordinate moves by −lr (float64 parameters, lr 0.1f)
            assertEquals(2, losses.size(), shape.toString());
            assertEquals(3.5, losses.get(0), shape.toString());
            assertEquals(3.5 - 2 * (double) 0.1f, losses.get(1), 1e-12, shape.toString());
        }
        ToyProblem p = new ToyProblem(new double[] {-1}, 0.1f);
        Program program = Program.builder("solo")
                .problem(ToyProblem.node("Solo", 1, p, 1, b -> p.theta.sum().log().reshape(1, 1)))
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(1).build())) {
            NonFiniteValueException e = assertThrows(NonFiniteValueException.class, engine::run);
            assertEquals("the loss", e.quantity(), e.getMessage());
        }
    }

    @Test
    void anAfterGradientsHookThatMakesTheUpdateNonFiniteIsCaughtBeforeTheOptimizer() {
        // the gradient (1, 1) is finite; the hook writes NaN into it
        TwoArrays p = new TwoArrays(t -> t.a.sum().add(t.b.sum())) {
            @Override
            public void afterGradients(ai.djl.ndarray.NDList parameters, ai.djl.ndarray.NDList gradients) {
                gradients.get(0).muli(Double.NaN);
            }
        };
        try (Engine engine = new Engine(p.program(), EngineConfig.builder().optIterations(2).build())) {
            NonFiniteValueException e = assertThrows(NonFiniteValueException.class, engine::run);
            String m = e.getMessage();
            assertEquals("the gradient of parameter 'a'", e.quantity(), m);
            assertTrue(m.startsWith("Two: the gradient of parameter 'a' is NaN at local step 1 (global step 1)"), m);
            assertEquals(1.0, p.a.getDouble(0), "the optimizer did not run");
        }
    }

    @Test
    void theGradientIsCopiedOnlyWhenClippingOrAHookMayChangeTheUpdateInPlace() {
        TwoArrays plain = new TwoArrays(t -> t.a.sum());
        TwoArrays hooked = new TwoArrays(t -> t.a.sum()) {
            @Override
            public void afterGradients(ai.djl.ndarray.NDList parameters, ai.djl.ndarray.NDList gradients) {}
        };
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.ndarray.NDList grads = new ai.djl.ndarray.NDList(m.create(new double[] {1, 2}),
                    m.create(new double[] {3, 4}));
            for (TwoArrays t : java.util.List.of(plain, hooked)) {
                t.setUp(new ProblemContext("Two", m, 1, java.util.Map.of(), 1, ai.djl.ndarray.types.DataType.FLOAT64));
            }
            ProblemNode plainNode = plain.program().problem("Two");
            ProblemState asIs = new ProblemState(plainNode, m.newSubManager(), null, java.util.List.of());
            ProblemState clipped = new ProblemState(plainNode.toBuilder().optClipGradNorm(1).build(),
                    m.newSubManager(), null, java.util.List.of());
            ProblemState withHook = new ProblemState(hooked.program().problem("Two"), m.newSubManager(), null,
                    java.util.List.of());
            assertEquals(false, asIs.hasAfterGradients);
            assertEquals(true, withHook.hasAfterGradients);
            org.junit.jupiter.api.Assertions.assertSame(grads, asIs.accumulate(grads, 1));
            for (ProblemState copying : java.util.List.of(clipped, withHook)) {
                ai.djl.ndarray.NDList update = copying.accumulate(grads, 1);
                for (int i = 0; i < grads.size(); i++) {
                    org.junit.jupiter.api.Assertions.assertNotSame(grads.get(i), update.get(i));
                    assertTrue(grads.get(i).contentEquals(update.get(i)));
                }
            }
        }
    }

    /** Two float64 parameters a and b with a given cost. */
    private static class TwoArrays implements Trainable {
        private final Function<TwoArrays, NDArray> cost;
        NDArray a;
        NDArray b;
        private Optimizer optimizer;

        TwoArrays(Function<TwoArrays, NDArray> cost) {
            this.cost = cost;
        }

        @Override
        public void setUp(ProblemContext context) {
            NDManager m = context.manager();
            a = m.create(new double[] {1, 2});
            b = m.create(new double[] {0, 4});
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            optimizer = Sgd.builder().setLearningRate(1e-30f).build();
        }

        @Override
        public ParameterList parameters() {
            return ParameterLists.of("a", a, "b", b);
        }

        @Override
        public Optimizer optimizer() {
            return optimizer;
        }

        @Override
        public BatchSource data() {
            return new ToyProblem.EmptyBatches();
        }

        Program program() {
            return Program.builder("two").problem(ProblemNode.builder("Two", 1, this)
                    .costFunction((Batch batch) -> org.betty4j.runtime.problem.Cost.of(cost.apply(this))).build())
                    .build();
        }
    }

    @Test
    void aNonFiniteGradientNamesItsArrayAndTheProblemStep() {
        // d/db Σ sqrt(b) = 1/(2 sqrt(b)) is +∞ at b = 0 while the loss 1 + 2 + 0 + 2 = 5 is finite
        TwoArrays p = new TwoArrays(t -> t.a.sum().add(t.b.sqrt().sum()));
        try (Engine engine = new Engine(p.program(), EngineConfig.builder().optIterations(2).build())) {
            NonFiniteValueException e = assertThrows(NonFiniteValueException.class, engine::run);
            String m = e.getMessage();
            assertEquals("Two", e.problem(), m);
            assertEquals("the gradient of parameter 'b'", e.quantity(), m);
            assertEquals(1, e.localStep(), m);
            assertTrue(m.startsWith("Two: the gradient of parameter 'b' is Infinity at local step 1 (global step 1)"), m);
            assertTrue(m.contains("every problem's parameters are finite"), m);
        }
    }

    @Test
    void aSumThatOnlyOverflowsDoesNotStopTheRun() {
        // (a − stop(a))·1e308 is 0 with the gradient (1e308, 1e308): finite, but its sum overflows to +∞
        TwoArrays p = new TwoArrays(t -> t.a.sub(t.a.stopGradient()).mul(1e308).sum().add(t.b.sum()));
        try (Engine engine = new Engine(p.program(), EngineConfig.builder().optIterations(1).build())) {
            engine.run();
            assertEquals(1, engine.localSteps("Two"));
            assertEquals(0, engine.skippedSteps("Two"));
        }
    }

    /**
     * Every way the guard reads its numbers (one by one for a few, stacked for more than
     * {@link FiniteGuard#READ_ONE_BY_ONE}; a small array read whole, a larger one reduced by an
     * array operation) gives the step's loss and names the same array: {@code n} float64
     * parameters p₀…pₙ₋₁ = (1 + c, 2, 3, …, 3) of {@code length} elements; the cost Σᵢ Σ pᵢ plus,
     * for the last, Σ sqrt(pₙ₋₁ − c) is finite with a finite gradient at c = 0 and has an
     * infinite gradient at c = 2 (sqrt(0) in the second element).
     */
    @Test
    void theLossAndTheNamedArrayAreTheSameWhicheverWayTheGuardReads() {
        // a step reads 1 + 2n numbers (the loss, n gradient sums, n parameter norms)
        for (int n : new int[] {1, 2, FiniteGuard.READ_ONE_BY_ONE / 2 + 1, FiniteGuard.READ_ONE_BY_ONE}) {
            for (int length : new int[] {2, (int) FiniteGuard.READ_WHOLE + 1}) {
                String what = "n = " + n + ", length = " + length;
                double[] reported = new double[1];
                try (Engine engine = new Engine(manyArrays(n, length, 0), EngineConfig.builder().optIterations(1).build())) {
                    engine.addListener(new EngineListener() {
                        @Override
                        public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss,
                                org.betty4j.runtime.problem.Cost cost) {
                            reported[0] = loss;
                        }
                    });
                    engine.run();
                }
                double expected = n * (3.0 + 3.0 * (length - 2)) + 1 + Math.sqrt(2) + (length - 2) * Math.sqrt(3);
                assertEquals(expected, reported[0], 1e-12 * expected, what);
                try (Engine engine = new Engine(manyArrays(n, length, 2), EngineConfig.builder().optIterations(1).build())) {
                    NonFiniteValueException e = assertThrows(NonFiniteValueException.class, engine::run);
                    assertEquals("the gradient of parameter 'p" + (n - 1) + "'", e.quantity(), what);
                }
            }
        }
    }

    /** See {@link #theLossAndTheNamedArrayAreTheSameWhicheverWayTheGuardReads}. */
    private static Program manyArrays(int n, int length, double c) {
        NDArray[] p = new NDArray[n];
        Trainable t = new Trainable() {
            private Optimizer optimizer;

            @Override
            public void setUp(ProblemContext context) {
                double[] values = new double[length];
                java.util.Arrays.fill(values, 3);
                values[0] = 1 + c;
                values[1] = 2;
                for (int i = 0; i < n; i++) {
                    p[i] = context.manager().create(values);
                    p[i].setRequiresGradient(true);
                }
                optimizer = Sgd.builder().setLearningRate(1e-30f).build();
            }

            @Override
            public ParameterList parameters() {
                ParameterList list = new ParameterList();
                for (int i = 0; i < n; i++) {
                    list.addAll(ParameterLists.of("p" + i, p[i]));
                }
                return list;
            }

            @Override
            public Optimizer optimizer() {
                return optimizer;
            }

            @Override
            public BatchSource data() {
                return new ToyProblem.EmptyBatches();
            }
        };
        return Program.builder("many").problem(ProblemNode.builder("Many", 1, t).costFunction((Batch batch) -> {
            NDArray cost = p[0].sum();
            for (int i = 1; i < n; i++) {
                cost = cost.add(p[i].sum());
            }
            return org.betty4j.runtime.problem.Cost.of(cost.add(p[n - 1].sub(c).sqrt().sum()));
        }).build()).build();
    }
}
