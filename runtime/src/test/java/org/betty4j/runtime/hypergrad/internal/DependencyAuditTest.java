package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.engine.UndeclaredDependencyException;
import org.betty4j.runtime.problem.Cost;
import org.junit.jupiter.api.Test;

/**
 * The engine's dependency audit: a cost that reads the parameters of a problem its
 * annotations do not connect it to is an error at its first step, naming the cost, the problem
 * it reads and the annotation to add; without the audit the same program trains with a wrong
 * hypergradient and no warning. The audit reuses the step's loss, so results are bit-identical
 * with and without it.
 */
class DependencyAuditTest {

    private static final float RATE = 0.5f;
    private static final double RHO = 0.1;

    /** The upper problem's class (named as a user's would be). */
    static final class Hyper extends VectorProblem {
        Hyper(double[] initial) {
            super(initial, RATE);
        }
    }

    /** The lower problem's class. */
    static final class Inner extends VectorProblem {
        Inner(double[] initial) {
            super(initial, 0.1f);
        }
    }

    /**
     * Routes by which Inner's cost reaches Hyper's parameters: a static field, as a user might
     * share a model between problems without declaring it.
     */
    static final class Shared {
        static Hyper hyper;
    }

    private record Bilevel(Program program, Hyper hyper, double[] lambda0, double[] exactGradient) {}

    /**
     * Inner: {@code ½ wᵀAw − wᵀBλ}, reading λ through {@link Shared}; Hyper:
     * {@code ½‖w − t‖² + ½ρ‖λ‖²}, reading Inner's optimum ({@code @Lower}, declared). With
     * {@code declared} the edge Hyper -> Inner ({@code @Upper Hyper} in Inner) is in the program.
     * Inner starts at its optimum; Hyper's exact first gradient is {@code ρλ + BᵀA⁻¹(w* − t)}.
     */
    private static Bilevel bilevel(boolean declared) {
        Random r = new Random(5);
        CoupledQuadratic quadratic = new CoupledQuadratic(r, 2, 1, 1.5, 2.5);
        double[] lambda0 = LinearAlgebra.randomVector(r, 2);
        double[] target = LinearAlgebra.randomVector(r, 3);
        double[] w0 = quadratic.bestResponse(lambda0);
        Inner inner = new Inner(w0);
        Hyper hyper = new Hyper(lambda0);
        Shared.hyper = hyper;
        Supplier<NDArray> innerCost = () -> quadratic.cost(inner.theta, Shared.hyper.theta);
        Supplier<NDArray> hyperCost = () -> {
            try (NDArray t = inner.theta.getManager().create(target)) {
                return inner.theta.sub(t).square().sum().mul(0.5).add(hyper.theta.square().sum().mul(RHO / 2));
            }
        };
        Program.Builder b = Program.builder(declared ? "declared" : "undeclared")
                .problem(ProblemNode.builder("Inner", 1, inner).costFunction(batch -> Cost.of(innerCost.get()))
                        .optHypergrad(new HypergradConfig(HypergradMethod.AID_CG, 1.0, 3, false)).build())
                .problem(ProblemNode.builder("Hyper", 2, hyper).costFunction(batch -> Cost.of(hyperCost.get()))
                        .build())
                .lowerToUpper("Inner", "Hyper");
        if (declared) {
            b.upperToLower("Hyper", "Inner");
        }
        double[] exact = LinearAlgebra.plus(LinearAlgebra.scaled(lambda0, RHO),
                quadratic.product(HypergradMethod.AID_CG, LinearAlgebra.minus(w0, target)));
        return new Bilevel(b.build(), hyper, lambda0, exact);
    }

    /** Hyper's first gradient, read from its first update (Hyper steps once per global step). */
    private static double[] firstGradient(Bilevel bilevel, boolean audit) {
        try (Engine engine = new Engine(bilevel.program(),
                EngineConfig.builder().optIterations(1).optAuditDependencies(audit).build())) {
            engine.run();
            double[] lambda1 = engine.parameters("Hyper").get(0).toDoubleArray();
            return LinearAlgebra.scaled(LinearAlgebra.minus(bilevel.lambda0(), lambda1), 1 / RATE);
        }
    }

    @Test
    void anUndeclaredReadTrainsWithAWrongHypergradientWithoutTheAudit() {
        Bilevel declared = bilevel(true);
        double declaredError = LinearAlgebra.relativeError(firstGradient(declared, true), declared.exactGradient());
        Bilevel undeclared = bilevel(false);
        double silentError = LinearAlgebra.relativeError(firstGradient(undeclared, false),
                undeclared.exactGradient());
        System.out.printf("undeclared read of Hyper's parameters in Inner's cost, audit off: Hyper's gradient off by "
                + "%.1f %% (declared: %.1e)%n", 100 * silentError, declaredError);
        assertTrue(declaredError < 1e-6, "declared program: relative error " + declaredError);
        assertTrue(silentError > 0.1, "the undeclared read must visibly change the gradient: " + silentError);
    }

    @Test
    void theAuditNamesTheCostTheReadProblemAndTheAnnotationToAdd() {
        Bilevel undeclared = bilevel(false);
        UndeclaredDependencyException e = assertThrows(UndeclaredDependencyException.class,
                () -> firstGradient(undeclared, true));
        System.out.println(e.getMessage());
        assertEquals("Inner", e.problem());
        assertEquals("Hyper", e.readProblem());
        assertTrue(e.getMessage().startsWith("Inner: the training step (cost) reads the parameters of Hyper"),
                e.getMessage());
        assertTrue(e.getMessage().contains("at local step 1, global step 1"), e.getMessage());
        assertTrue(e.getMessage().contains("Fix: add `@Upper Hyper hyper;` to Inner"), e.getMessage());
    }

    /**
     * Figure 1 (CG, Neumann, ITD and FD below Meta), 4 global steps with and without the audit:
     * every problem's parameters are bit-identical, and the audit ran in one run only.
     */
    @Test
    void theAuditChangesNoResult() {
        Map<String, double[]> audited = new LinkedHashMap<>();
        Map<String, double[]> plain = new LinkedHashMap<>();
        long auditNanos = runFigureOne(true, audited);
        long plainNanos = runFigureOne(false, plain);
        assertEquals(0, plainNanos);
        assertTrue(auditNanos > 0, "the audit did not run");
        for (String p : audited.keySet()) {
            assertArrayEquals(audited.get(p), plain.get(p), p + ": parameters differ with the audit");
        }
    }

    private static long runFigureOne(boolean audit, Map<String, double[]> out) {
        Random r = new Random(34);
        CoupledQuadratic costBase = new CoupledQuadratic(r, 2, 1, 1.4, 2.2, 3);
        CoupledQuadratic costLeft = new CoupledQuadratic(r, 4, 1, 2, 3);
        CoupledQuadratic costRight = new CoupledQuadratic(r, 4, 1.5, 2.5);
        VectorProblem base = new VectorProblem(LinearAlgebra.randomVector(r, 4), 0.1f);
        VectorProblem left = new VectorProblem(LinearAlgebra.randomVector(r, 3), 0.1f);
        VectorProblem right = new VectorProblem(LinearAlgebra.randomVector(r, 2), 0.1f);
        VectorProblem meta = new VectorProblem(LinearAlgebra.randomVector(r, 2), RATE);
        Program program = Program.builder("figure-1-audit")
                .problem(ProblemNode.builder("Base", 1, base)
                        .costFunction(batch -> Cost.of(costBase.cost(base.theta, meta.theta)))
                        .optHypergrad(new HypergradConfig(HypergradMethod.AID_CG, 1.0, 4, false)).build())
                .problem(ProblemNode.builder("Left", 2, left)
                        .costFunction(batch -> Cost.of(costLeft.cost(left.theta, base.theta)))
                        .optHypergrad(HypergradConfig.defaults(HypergradMethod.ITD_RMAD)).optUnrollSteps(2).build())
                .problem(ProblemNode.builder("Right", 2, right)
                        .costFunction(batch -> Cost.of(costRight.cost(right.theta, base.theta)))
                        .optHypergrad(new HypergradConfig(HypergradMethod.AID_NEUMANN, 0.2, 5, false)).build())
                .problem(ProblemNode.builder("Meta", 3, meta)
                        .costFunction(batch -> Cost.of(left.theta.square().sum().add(right.theta.square().sum())))
                        .build())
                .upperToLower("Meta", "Base")
                .lowerToUpper("Base", "Left").lowerToUpper("Base", "Right")
                .lowerToUpper("Left", "Meta").lowerToUpper("Right", "Meta")
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(4).optAuditDependencies(audit)
                .build())) {
            engine.run();
            for (ProblemNode p : program.problems()) {
                out.put(p.name(), engine.parameters(p.name()).get(0).toDoubleArray());
            }
            System.out.printf("Figure 1, 4 global steps, audit %s: %.2f ms in audits%n", audit ? "on" : "off",
                    engine.dependencyAuditTime().toNanos() / 1e6);
            return engine.dependencyAuditTime().toNanos();
        }
    }
}
