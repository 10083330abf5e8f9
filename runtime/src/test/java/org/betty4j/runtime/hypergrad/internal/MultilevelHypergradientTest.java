package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.metrics.MetricsFile;
import org.betty4j.runtime.problem.Cost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's first update of the top problem against the analytic total derivative, in
 * float64, for programs of 2, 3 and 4 levels with every method at every position of a path,
 * including programs Betty refuses to differentiate with CG or Neumann.
 *
 * <p>Every lower cost is {@code ½ xᵀAx − xᵀBy} (x its parameters, y the parameters it reads),
 * with A's eigenvalues in [1, 3]; the top cost is {@code ½‖x − t‖² + ½ρ‖λ‖²} of the optima it
 * reads. Lower problems start at their exact optima for λ₀ and the top is the last to move, so
 * no lower moves before the top's first update (checked) and that update is
 * {@code λ₁ = λ₀ − η·dC_top/dλ(λ₀)}, the total derivative through every best response
 * {@code ∂x* / ∂y = A⁻¹B}. Where a method computes something else by design, the expectation is
 * its own closed form (see {@link CoupledQuadratic}): {@code Bᵀv} for AID_FD (H ≈ I),
 * {@code Bᵀ η Σ_{k<T} (I − ηA)^k v} for ITD_RMAD through its T plain-SGD updates.
 *
 * <p>Tolerances (relative, on the update direction): AID_CG with k = dimension is exact up to
 * rounding, 1e-6; AID_NEUMANN with α = 1/L and 60 terms leaves at most (2/3)^61 ≈ 2e-11 of
 * truncation, 1e-4 as in the issue; AID_FD is exact for costs linear in y (the central
 * difference of a linear gradient), 1e-9 for float64 rounding amplified by 1/ε; ITD_RMAD's
 * closed form is exact, 1e-9 (η must be the float the optimizer holds: 0.1 instead of 0.1f
 * already gives ~2e-8).
 */
class MultilevelHypergradientTest {

    private static final float TOP_RATE = 0.5f;
    private static final float LOWER_RATE = 0.1f;
    private static final double RHO = 0.1;

    /** A lower problem's method and unroll steps (how many updates ITD_RMAD differentiates). */
    private record Lower(HypergradMethod method, int unrollSteps) {
        static final Lower CG = new Lower(HypergradMethod.AID_CG, 1);
        static final Lower NEUMANN = new Lower(HypergradMethod.AID_NEUMANN, 1);
        static final Lower FD = new Lower(HypergradMethod.AID_FD, 1);

        static Lower itd(int steps) {
            return new Lower(HypergradMethod.ITD_RMAD, steps);
        }

        @Override
        public String toString() {
            return method == HypergradMethod.ITD_RMAD ? "ITD_RMAD(T=" + unrollSteps + ")" : method.name();
        }
    }

    private static HypergradConfig config(HypergradMethod method, CoupledQuadratic cost) {
        return switch (method) {
            case AID_CG -> new HypergradConfig(method, 1.0, cost.a.length, false);
            case AID_NEUMANN -> new HypergradConfig(method, 1 / cost.largestEigenvalue, 60, false);
            default -> HypergradConfig.defaults(method);
        };
    }

    private static double tolerance(Lower... lowers) {
        double tol = 0;
        for (Lower l : lowers) {
            tol = Math.max(tol, switch (l.method()) {
                case AID_CG -> 1e-6;
                case AID_NEUMANN -> 1e-4;
                case AID_FD, ITD_RMAD -> 1e-9;
            });
        }
        return tol;
    }

    /** What {@code lower}'s method computes for {@code cost}; ITD_RMAD with the rate its Sgd holds. */
    private static double[] product(Lower lower, CoupledQuadratic cost, double[] v) {
        return lower.method() == HypergradMethod.ITD_RMAD
                ? cost.unrolledProduct((double) LOWER_RATE, lower.unrollSteps(), v)
                : cost.product(lower.method(), v);
    }

    /** The H ≈ I product, the expectation a method that ignored curvature would meet. */
    private static double[] identityProduct(CoupledQuadratic cost, double[] v) {
        return cost.product(HypergradMethod.AID_FD, v);
    }

    private static ProblemNode node(String name, int level, VectorProblem p, HypergradConfig hypergrad,
            Supplier<NDArray> cost) {
        return node(name, level, p, hypergrad, 1, cost);
    }

    private static ProblemNode node(String name, int level, VectorProblem p, Lower lower, CoupledQuadratic quadratic,
            Supplier<NDArray> cost) {
        return node(name, level, p, config(lower.method(), quadratic), lower.unrollSteps(), cost);
    }

    private static ProblemNode node(String name, int level, VectorProblem p, HypergradConfig hypergrad,
            int unrollSteps, Supplier<NDArray> cost) {
        return ProblemNode.builder(name, level, p).costFunction(batch -> Cost.of(cost.get()))
                .optHypergrad(hypergrad).optUnrollSteps(unrollSteps).build();
    }

    private static NDArray topCost(NDArray lambda, NDArray[] optima, double[][] targets) {
        NDArray total = lambda.square().sum().mul(RHO / 2);
        for (int i = 0; i < optima.length; i++) {
            try (NDArray target = optima[i].getManager().create(targets[i])) {
                total = total.add(optima[i].sub(target).square().sum().mul(0.5));
            }
        }
        return total;
    }

    /** The engine gives access to a problem's method, so the CG residual can be read after a run. */
    @Test
    void cgResidualIsReadableThroughTheEngine() {
        Random r = new Random(8);
        CoupledQuadratic costLower = new CoupledQuadratic(r, 2, 1, 1.5, 2, 3);
        VectorProblem lower = new VectorProblem(LinearAlgebra.randomVector(r, 4), LOWER_RATE);
        VectorProblem upper = new VectorProblem(LinearAlgebra.randomVector(r, 2), TOP_RATE);
        Program program = Program.builder("two-level")
                .problem(node("L", 1, lower, new HypergradConfig(HypergradMethod.AID_CG, 1.0, 2, false),
                        () -> costLower.cost(lower.theta, upper.theta)))
                .problem(node("U", 2, upper, HypergradConfig.defaults(HypergradMethod.AID_FD),
                        () -> lower.theta.square().sum().mul(0.5)))
                .upperToLower("U", "L")
                .lowerToUpper("L", "U")
                .path("U", "L", "U")
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(3).build())) {
            engine.run();
            Map<String, Double> solve = engine.methodDiagnostics("L");
            System.out.printf("engine AID_CG k 2 on a 4-dimensional lower problem: residual %.3e, relative %.3e%n",
                    solve.get("cg_residual"), solve.get("cg_relative_residual"));
            assertTrue(solve.get("cg_iterations") == 2 && solve.get("cg_residual") > 0
                    && solve.get("cg_relative_residual") < 1, solve.toString());
        }
    }

    /**
     * Each product's diagnostics are step metrics of the problem that differentiated through it,
     * named {@code <problem>.<name>}, logged and written to the metrics file: Figure 1 with Base
     * AID_CG (on both paths, one product on the summed adjoint), Left AID_NEUMANN, Right ITD_RMAD (T = 2).
     */
    @Test
    void productDiagnosticsAreStepMetricsOfTheUpperProblem(@TempDir Path dir) throws IOException {
        Random r = new Random(34);
        CoupledQuadratic costBase = new CoupledQuadratic(r, 2, 1, 1.4, 2.2, 3);
        CoupledQuadratic costLeft = new CoupledQuadratic(r, 4, 1, 2, 3);
        CoupledQuadratic costRight = new CoupledQuadratic(r, 4, 1.5, 2.5);
        VectorProblem base = new VectorProblem(LinearAlgebra.randomVector(r, 4), LOWER_RATE);
        VectorProblem left = new VectorProblem(LinearAlgebra.randomVector(r, 3), LOWER_RATE);
        VectorProblem right = new VectorProblem(LinearAlgebra.randomVector(r, 2), LOWER_RATE);
        VectorProblem meta = new VectorProblem(LinearAlgebra.randomVector(r, 2), TOP_RATE);
        Program program = figureOneEdges(Program.builder("figure-1-diagnostics"))
                .problem(node("Base", 1, base, new HypergradConfig(HypergradMethod.AID_CG, 1.0, 2, false),
                        () -> costBase.cost(base.theta, meta.theta)))
                .problem(node("Left", 2, left, new HypergradConfig(HypergradMethod.AID_NEUMANN, 0.2, 3, false),
                        () -> costLeft.cost(left.theta, base.theta)))
                .problem(node("Right", 2, right, Lower.itd(2), costRight, () -> costRight.cost(right.theta, base.theta)))
                .problem(node("Meta", 3, meta, HypergradConfig.defaults(HypergradMethod.AID_FD),
                        () -> left.theta.square().sum().add(right.theta.square().sum()).mul(0.5)))
                .build();
        Path metricsPath = dir.resolve("metrics.jsonl");
        List<Map<String, Double>> metaMetrics = new ArrayList<>();
        try (MetricsFile metricsFile = new MetricsFile(metricsPath);
                Engine engine = new Engine(program, EngineConfig.builder().optIterations(2).build())) {
            engine.addListener(metricsFile);
            engine.addListener(new EngineListener() {
                @Override
                public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
                    if (problem.name().equals("Meta")) {
                        metaMetrics.add(cost.metrics());
                    }
                }
            });
            engine.run();
            assertEquals(1, metaMetrics.size(), "Meta steps once, after Right's loop of 2");
            Map<String, Double> m = metaMetrics.get(0);
            Map<String, Double> lastBaseSolve = engine.methodDiagnostics("Base");
            assertEquals(2.0, m.get("Base.cg_iterations"));
            assertTrue(m.get("Base.cg_residual") >= lastBaseSolve.get("cg_residual") && m.get("Base.cg_residual") > 0,
                    m.toString());
            assertEquals(engine.methodDiagnostics("Left").get("neumann_last_term_ratio"),
                    m.get("Left.neumann_last_term_ratio"));
            assertEquals(2.0, m.get("Right.itd_updates"));
            System.out.println("Figure 1 step metrics of Meta: " + m);
        }
        String lines = Files.readString(metricsPath);
        assertTrue(lines.contains("\"Base.cg_residual\":") && lines.contains("\"Right.itd_updates\":2"), lines);
    }

    /** The paper's Figure-1 edges and two paths, for problems Base, Left, Right and Meta. */
    private static Program.Builder figureOneEdges(Program.Builder b) {
        return b.upperToLower("Meta", "Base")
                .lowerToUpper("Base", "Left")
                .lowerToUpper("Base", "Right")
                .lowerToUpper("Left", "Meta")
                .lowerToUpper("Right", "Meta")
                .path("Meta", "Left", "Base", "Meta")
                .path("Meta", "Right", "Base", "Meta");
    }

    /** The expectation must differ from the H ≈ I one unless every method is AID_FD, or the check is vacuous. */
    private static void assertDiscriminates(Lower[] lowers, double[] expected, double[] identity) {
        if (!Arrays.stream(lowers).allMatch(l -> l.method() == HypergradMethod.AID_FD)) {
            assertTrue(LinearAlgebra.relativeError(expected, identity) > 0.01,
                    "the exact and H ≈ I totals nearly coincide; the test could not tell the methods apart");
        }
    }

    /**
     * The observed top gradient {@code (λ₀ − λ₁)/η} and how far the lower problems moved
     * (largest relative change of their parameters).
     */
    private record TopUpdate(double[] gradient, double lowerDrift) {}

    /**
     * Runs {@code globalSteps} global steps, the schedule's first update of {@code top} (a
     * problem with T unroll steps lets its uppers step once per T of its own steps, so along a
     * chain that is the product of the lowers' unroll steps). Checks that the top's only update
     * came at the last global step, that each ITD_RMAD problem differentiated its whole loop of
     * unroll-steps updates, and that no lower moved (relative change below 1e-12: the closed
     * forms hold at the starting points).
     */
    private static TopUpdate firstTopUpdate(Program program, String top, double[] lambda0, int globalSteps) {
        Map<String, double[]> starts = new LinkedHashMap<>();
        List<Integer> topSteps = new ArrayList<>();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(globalSteps).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onRunStart(Engine e) {
                    for (ProblemNode p : program.problems()) {
                        starts.put(p.name(), e.parameters(p.name()).get(0).toDoubleArray());
                    }
                }

                @Override
                public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
                    if (problem.name().equals(top)) {
                        topSteps.add(globalStep);
                    }
                }
            });
            engine.run();
            assertEquals(List.of(globalSteps), topSteps, "global steps at which " + top + " stepped");
            double drift = 0;
            for (ProblemNode p : program.problems()) {
                if (p.name().equals(top)) {
                    continue;
                }
                drift = Math.max(drift, LinearAlgebra.relativeError(engine.parameters(p.name()).get(0).toDoubleArray(),
                        starts.get(p.name())));
                if (p.hypergrad().method() == HypergradMethod.ITD_RMAD) {
                    assertEquals((double) p.unrollSteps(), engine.methodDiagnostics(p.name()).get("itd_updates"),
                            p.name() + ": recorded updates differentiated");
                }
            }
            assertTrue(drift < 1e-12, "a lower problem moved before the top's update: relative change " + drift);
            double[] lambda1 = engine.parameters(top).get(0).toDoubleArray();
            return new TopUpdate(LinearAlgebra.scaled(LinearAlgebra.minus(lambda0, lambda1), 1 / TOP_RATE), drift);
        }
    }

    private static void check(String what, Lower[] lowers, TopUpdate update, double[] expected) {
        double error = LinearAlgebra.relativeError(update.gradient(), expected);
        double tol = tolerance(lowers);
        System.out.printf("%s: relative error of the top update %.3e (tolerance %.0e; lowers moved %.1e)%n", what,
                error, tol, update.lowerDrift());
        assertTrue(error < tol, what + ": relative error " + error);
    }

    /**
     * Three levels on one path {@code [T, M, W, T]}: W's cost reads λ, M's cost reads W's
     * optimum, T's cost reads M's optimum. dC_T/dλ = ρλ + B_Wᵀ A_W⁻¹ B_Mᵀ A_M⁻¹ (μ* − t), each
     * factor {@code B_xᵀ A_x⁻¹} replaced by the method's own closed form.
     */
    @Test
    void threeLevelChainMatchesTheTotalDerivative() {
        Lower[][] cases = {
            {Lower.CG, Lower.CG},
            {Lower.NEUMANN, Lower.NEUMANN},
            {Lower.FD, Lower.FD},
            {Lower.CG, Lower.NEUMANN},
            {Lower.itd(3), Lower.itd(2)},
            {Lower.itd(2), Lower.CG},
            {Lower.NEUMANN, Lower.itd(3)},
            {Lower.FD, Lower.itd(1)},
        };
        for (Lower[] lowers : cases) {
            Random r = new Random(21);
            CoupledQuadratic costW = new CoupledQuadratic(r, 2, 1, 1.5, 2, 3);
            CoupledQuadratic costM = new CoupledQuadratic(r, 4, 1.2, 2.5, 3);
            double[] lambda0 = LinearAlgebra.randomVector(r, 2);
            double[] target = LinearAlgebra.randomVector(r, 3);
            double[] w0 = costW.bestResponse(lambda0);
            double[] mu0 = costM.bestResponse(w0);
            VectorProblem w = new VectorProblem(w0, LOWER_RATE);
            VectorProblem mu = new VectorProblem(mu0, LOWER_RATE);
            VectorProblem lambda = new VectorProblem(lambda0, TOP_RATE);
            Program program = Program.builder("three-level")
                    .problem(node("W", 1, w, lowers[0], costW, () -> costW.cost(w.theta, lambda.theta)))
                    .problem(node("M", 2, mu, lowers[1], costM, () -> costM.cost(mu.theta, w.theta)))
                    .problem(node("T", 3, lambda, HypergradConfig.defaults(HypergradMethod.AID_FD),
                            () -> topCost(lambda.theta, new NDArray[] {mu.theta}, new double[][] {target})))
                    .upperToLower("T", "W")
                    .lowerToUpper("W", "M")
                    .lowerToUpper("M", "T")
                    .path("T", "M", "W", "T")
                    .build();
            double[] v = LinearAlgebra.minus(mu0, target);
            double[] regularizer = LinearAlgebra.scaled(lambda0, RHO);
            double[] expected = LinearAlgebra.plus(regularizer,
                    product(lowers[0], costW, product(lowers[1], costM, v)));
            double[] identity = LinearAlgebra.plus(regularizer, identityProduct(costW, identityProduct(costM, v)));
            assertDiscriminates(lowers, expected, identity);
            TopUpdate update = firstTopUpdate(program, "T", lambda0, lowers[0].unrollSteps() * lowers[1].unrollSteps());
            check("3-level chain, W " + lowers[0] + ", M " + lowers[1], lowers, update, expected);
        }
    }

    /**
     * Four levels on one path {@code [T, N, M, W, T]}: W's cost reads λ, M's reads W's optimum,
     * N's reads M's, T's reads N's. dC_T/dλ = ρλ + B_Wᵀ A_W⁻¹ B_Mᵀ A_M⁻¹ B_Nᵀ A_N⁻¹ (ν* − t),
     * each factor replaced by the method's own closed form.
     */
    @Test
    void fourLevelChainMatchesTheTotalDerivative() {
        Lower[][] cases = {
            {Lower.CG, Lower.CG, Lower.CG},
            {Lower.NEUMANN, Lower.NEUMANN, Lower.NEUMANN},
            {Lower.FD, Lower.FD, Lower.FD},
            {Lower.itd(2), Lower.itd(3), Lower.itd(2)},
            {Lower.itd(3), Lower.NEUMANN, Lower.CG},
            {Lower.FD, Lower.itd(2), Lower.NEUMANN},
            {Lower.CG, Lower.FD, Lower.itd(3)},
        };
        for (Lower[] lowers : cases) {
            Random r = new Random(45);
            CoupledQuadratic costW = new CoupledQuadratic(r, 2, 1, 1.6, 2.4);
            CoupledQuadratic costM = new CoupledQuadratic(r, 3, 1.1, 1.8, 2.2, 3);
            CoupledQuadratic costN = new CoupledQuadratic(r, 4, 1.3, 2.7);
            double[] lambda0 = LinearAlgebra.randomVector(r, 2);
            double[] target = LinearAlgebra.randomVector(r, 2);
            double[] w0 = costW.bestResponse(lambda0);
            double[] mu0 = costM.bestResponse(w0);
            double[] nu0 = costN.bestResponse(mu0);
            VectorProblem w = new VectorProblem(w0, LOWER_RATE);
            VectorProblem mu = new VectorProblem(mu0, LOWER_RATE);
            VectorProblem nu = new VectorProblem(nu0, LOWER_RATE);
            VectorProblem lambda = new VectorProblem(lambda0, TOP_RATE);
            Program program = Program.builder("four-level")
                    .problem(node("W", 1, w, lowers[0], costW, () -> costW.cost(w.theta, lambda.theta)))
                    .problem(node("M", 2, mu, lowers[1], costM, () -> costM.cost(mu.theta, w.theta)))
                    .problem(node("N", 3, nu, lowers[2], costN, () -> costN.cost(nu.theta, mu.theta)))
                    .problem(node("T", 4, lambda, HypergradConfig.defaults(HypergradMethod.AID_FD),
                            () -> topCost(lambda.theta, new NDArray[] {nu.theta}, new double[][] {target})))
                    .upperToLower("T", "W")
                    .lowerToUpper("W", "M")
                    .lowerToUpper("M", "N")
                    .lowerToUpper("N", "T")
                    .path("T", "N", "M", "W", "T")
                    .build();
            double[] v = LinearAlgebra.minus(nu0, target);
            double[] regularizer = LinearAlgebra.scaled(lambda0, RHO);
            double[] expected = LinearAlgebra.plus(regularizer,
                    product(lowers[0], costW, product(lowers[1], costM, product(lowers[2], costN, v))));
            double[] identity = LinearAlgebra.plus(regularizer,
                    identityProduct(costW, identityProduct(costM, identityProduct(costN, v))));
            assertDiscriminates(lowers, expected, identity);
            TopUpdate update = firstTopUpdate(program, "T", lambda0,
                    lowers[0].unrollSteps() * lowers[1].unrollSteps() * lowers[2].unrollSteps());
            check("4-level chain, W " + lowers[0] + ", M " + lowers[1] + ", N " + lowers[2], lowers, update,
                    expected);
        }
    }

    /**
     * The paper's Figure 1: Base reads Meta's λ; Left and Right read Base's optimum; Meta reads
     * Left's and Right's optima. Two paths carry λ's gradient through Base's one optimum:
     * dC/dλ = ρλ + B_Bᵀ A_B⁻¹ (B_Lᵀ A_L⁻¹ (ℓ* − t_L) + B_Rᵀ A_R⁻¹ (r* − t_R)), each factor
     * replaced by the method's own closed form.
     */
    @Test
    void figureOneTwoPathsSumToTheTotalDerivative() {
        Lower[][] cases = {
            {Lower.CG, Lower.CG, Lower.CG},
            {Lower.NEUMANN, Lower.NEUMANN, Lower.NEUMANN},
            {Lower.FD, Lower.FD, Lower.FD},
            {Lower.CG, Lower.NEUMANN, Lower.FD},
            {Lower.itd(2), Lower.itd(3), Lower.itd(3)},
            {Lower.itd(3), Lower.CG, Lower.FD},
            {Lower.NEUMANN, Lower.itd(2), Lower.itd(4)},
        };
        for (Lower[] lowers : cases) {
            figureOne(lowers, false);
        }
    }

    /**
     * AID_FD with firstOrder on Left drops Left's mixed term (DARTS' first-order variant): the
     * path through Left contributes nothing and the update is ρλ + the path through Right.
     */
    @Test
    void firstOrderAidFdDropsItsPath() {
        figureOne(new Lower[] {Lower.CG, Lower.FD, Lower.CG}, true);
    }

    private static void figureOne(Lower[] lowers, boolean leftFirstOrder) {
        Random r = new Random(34);
        CoupledQuadratic costBase = new CoupledQuadratic(r, 2, 1, 1.4, 2.2, 3);
        CoupledQuadratic costLeft = new CoupledQuadratic(r, 4, 1, 2, 3);
        CoupledQuadratic costRight = new CoupledQuadratic(r, 4, 1.5, 2.5);
        double[] lambda0 = LinearAlgebra.randomVector(r, 2);
        double[] targetLeft = LinearAlgebra.randomVector(r, 3);
        double[] targetRight = LinearAlgebra.randomVector(r, 2);
        double[] b0 = costBase.bestResponse(lambda0);
        double[] l0 = costLeft.bestResponse(b0);
        double[] r0 = costRight.bestResponse(b0);
        VectorProblem base = new VectorProblem(b0, LOWER_RATE);
        VectorProblem left = new VectorProblem(l0, LOWER_RATE);
        VectorProblem right = new VectorProblem(r0, LOWER_RATE);
        VectorProblem meta = new VectorProblem(lambda0, TOP_RATE);
        Program program = figureOneEdges(Program.builder("figure-1"))
                .problem(node("Base", 1, base, lowers[0], costBase, () -> costBase.cost(base.theta, meta.theta)))
                .problem(leftFirstOrder
                        ? node("Left", 2, left, new HypergradConfig(HypergradMethod.AID_FD, 0.01, 0, true),
                                lowers[1].unrollSteps(), () -> costLeft.cost(left.theta, base.theta))
                        : node("Left", 2, left, lowers[1], costLeft, () -> costLeft.cost(left.theta, base.theta)))
                .problem(node("Right", 2, right, lowers[2], costRight, () -> costRight.cost(right.theta, base.theta)))
                .problem(node("Meta", 3, meta, HypergradConfig.defaults(HypergradMethod.AID_FD),
                        () -> topCost(meta.theta, new NDArray[] {left.theta, right.theta},
                                new double[][] {targetLeft, targetRight})))
                .build();
        double[] vLeft = LinearAlgebra.minus(l0, targetLeft);
        double[] vRight = LinearAlgebra.minus(r0, targetRight);
        double[] regularizer = LinearAlgebra.scaled(lambda0, RHO);
        double[] throughLeft = leftFirstOrder ? new double[2]
                : product(lowers[0], costBase, product(lowers[1], costLeft, vLeft));
        double[] throughRight = product(lowers[0], costBase, product(lowers[2], costRight, vRight));
        double[] expected = LinearAlgebra.plus(regularizer, LinearAlgebra.plus(throughLeft, throughRight));
        double[] identityPaths = LinearAlgebra.plus(regularizer, LinearAlgebra.plus(
                identityProduct(costBase, identityProduct(costLeft, vLeft)),
                identityProduct(costBase, identityProduct(costRight, vRight))));
        assertDiscriminates(lowers, expected, identityPaths);
        // Meta steps once both Left and Right have signalled; each ITD loop is then complete
        // only if the slower one's unroll steps are a multiple of the faster one's
        int slower = Math.max(lowers[1].unrollSteps(), lowers[2].unrollSteps());
        assertTrue(slower % lowers[1].unrollSteps() == 0 && slower % lowers[2].unrollSteps() == 0,
                "case design: Left's and Right's unroll steps must divide the larger one");
        TopUpdate update = firstTopUpdate(program, "Meta", lambda0, lowers[0].unrollSteps() * slower);
        check("Figure 1, Base " + lowers[0] + ", Left " + lowers[1] + (leftFirstOrder ? " first-order" : "")
                + ", Right " + lowers[2], lowers, update, expected);
    }

    /**
     * A 20-layer ladder (two problems per layer, each reading both optima of the layer below;
     * the first layer reads λ, the top reads the last layer): 2^20 = 1,048,576 backpropagation
     * paths, which reverse accumulation covers with one AID_CG product per problem. The top's
     * first update against the total derivative built forwards in plain Java,
     * {@code J_p = A_p⁻¹ B_p [J_y1; J_y2]} (k = dimension: exact), tolerance 1e-6.
     */
    @Test
    void twentyLayerLadderTakesItsStepWithTheTotalDerivative() {
        int layers = 20;
        int dim = 2;
        Random r = new Random(55);
        double[] lambda0 = LinearAlgebra.randomVector(r, dim);
        VectorProblem top = new VectorProblem(lambda0, TOP_RATE);
        Map<String, VectorProblem> problems = new LinkedHashMap<>();
        Map<String, double[]> optima = new LinkedHashMap<>();
        Map<String, double[][]> jacobians = new LinkedHashMap<>();
        problems.put("Top", top);
        optima.put("Top", lambda0);
        jacobians.put("Top", new double[][] {{1, 0}, {0, 1}});
        Program.Builder b = Program.builder("ladder-20");
        for (int i = 1; i <= layers; i++) {
            List<String> reads = i == 1 ? List.of("Top") : List.of("A" + (i - 1), "B" + (i - 1));
            for (String side : List.of("A", "B")) {
                String name = side + i;
                CoupledQuadratic quadratic = new CoupledQuadratic(r, dim * reads.size(), 1, 2);
                double[] x0 = quadratic.bestResponse(stack(reads, optima));
                double[][] jacobian = new double[dim][dim];
                for (int c = 0; c < dim; c++) {
                    List<double[]> columns = new ArrayList<>();
                    for (String y : reads) {
                        columns.add(column(jacobians.get(y), c));
                    }
                    double[] jc = LinearAlgebra.solve(quadratic.a, LinearAlgebra.times(quadratic.b, concat(columns)));
                    for (int row = 0; row < dim; row++) {
                        jacobian[row][c] = jc[row];
                    }
                }
                VectorProblem p = new VectorProblem(x0, LOWER_RATE);
                problems.put(name, p);
                optima.put(name, x0);
                jacobians.put(name, jacobian);
                b.problem(node(name, i, p, new HypergradConfig(HypergradMethod.AID_CG, 1.0, dim, false),
                        () -> quadratic.cost(p.theta, reads.size() == 1 ? problems.get(reads.get(0)).theta
                                : problems.get(reads.get(0)).theta.concat(problems.get(reads.get(1)).theta))));
                for (String y : reads) {
                    if (y.equals("Top")) {
                        b.upperToLower("Top", name);
                    } else {
                        b.lowerToUpper(y, name);
                    }
                }
            }
        }
        double[][] targets = {LinearAlgebra.randomVector(r, dim), LinearAlgebra.randomVector(r, dim)};
        VectorProblem lastA = problems.get("A" + layers);
        VectorProblem lastB = problems.get("B" + layers);
        Program program = b.problem(node("Top", layers + 1, top, HypergradConfig.defaults(HypergradMethod.AID_FD),
                        () -> topCost(top.theta, new NDArray[] {lastA.theta, lastB.theta}, targets)))
                .lowerToUpper("A" + layers, "Top")
                .lowerToUpper("B" + layers, "Top")
                .build();
        double[] expected = LinearAlgebra.scaled(lambda0, RHO);
        int index = 0;
        for (String last : List.of("A" + layers, "B" + layers)) {
            double[] v = LinearAlgebra.minus(optima.get(last), targets[index++]);
            expected = LinearAlgebra.plus(expected, LinearAlgebra.transposeTimes(jacobians.get(last), v));
        }
        long start = System.nanoTime();
        TopUpdate update = firstTopUpdate(program, "Top", lambda0, 1);
        System.out.printf("20-layer ladder, 41 problems, 2^20 paths: one global step in %.1f s%n",
                (System.nanoTime() - start) / 1e9);
        check("20-layer ladder, AID_CG everywhere", new Lower[] {Lower.CG}, update, expected);
    }

    private static double[] stack(List<String> names, Map<String, double[]> values) {
        List<double[]> parts = new ArrayList<>();
        names.forEach(n -> parts.add(values.get(n)));
        return concat(parts);
    }

    private static double[] concat(List<double[]> parts) {
        return parts.stream().flatMapToDouble(Arrays::stream).toArray();
    }

    private static double[] column(double[][] m, int c) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i][c];
        }
        return out;
    }
}
