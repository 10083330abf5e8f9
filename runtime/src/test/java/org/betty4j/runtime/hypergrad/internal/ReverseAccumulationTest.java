package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.ParameterLists;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reverse accumulation ({@link ReverseAccumulation}) against the per-path sum it replaces,
 * kept here as the reference ({@link #perPath}): for every backpropagation path
 * {@code [U, x1, …, L, U]}, {@code ∂C_U/∂θ_x1} chained through each problem's product down the
 * path, summed over paths, plus the direct gradient. Same products, same arrays, float64.
 *
 * <p>Every non-top problem p has the cost {@code ½ xᵀA_p x − Σ_y xᵀB_{p,y} y} over the problems y
 * whose parameters it reads (A_p's eigenvalues in [1, 3]); the top's cost is
 * {@code ½Σ‖x − t_x‖² + ½ρ‖λ‖²} of the optima it reads. The linear methods — AID_CG with as many
 * iterations as the dimension (converged: its solve is then linear in v), AID_NEUMANN, ITD_RMAD
 * through recorded SGD updates — must agree within 1e-10 relative. AID_FD's ε = α/‖v‖ depends on
 * v, so the product of a sum is not the sum of products in general; on these quadratic costs the
 * central difference of a gradient linear in θ_curr is exact up to rounding, so the two must
 * agree within 1e-9 relative (the bound this project uses for AID_FD's rounding, amplified by 1/ε).
 */
class ReverseAccumulationTest {

    private static final double RHO = 0.1;
    private static final double ITD_RATE = 0.3;
    private static final int ITD_UPDATES = 3;
    private static final int DIM = 3;

    /** A program's graph: problems in execution order (top last), both kinds of edges. */
    private static final class Graph {
        final String name;
        final List<String> problems = new ArrayList<>();
        final Map<String, List<String>> lowers = new LinkedHashMap<>();
        final Map<String, List<String>> readers = new LinkedHashMap<>();

        Graph(String name) {
            this.name = name;
        }

        Graph problem(String p) {
            problems.add(p);
            lowers.put(p, new ArrayList<>());
            readers.put(p, new ArrayList<>());
            return this;
        }

        /** {@code upper}'s cost reads {@code lower}'s optimum. */
        Graph lowerToUpper(String lower, String upper) {
            lowers.get(upper).add(lower);
            return this;
        }

        /** {@code lower}'s cost reads {@code upper}'s parameters. */
        Graph upperToLower(String upper, String lower) {
            readers.get(upper).add(lower);
            return this;
        }

        String top() {
            return problems.get(problems.size() - 1);
        }

        /** The parameters problem p's cost reads (besides its own). */
        List<String> reads(String p) {
            List<String> out = new ArrayList<>(lowers.get(p));
            readers.forEach((upper, rs) -> {
                if (rs.contains(p)) {
                    out.add(upper);
                }
            });
            return out;
        }

        /** Every backpropagation path of {@code top} by depth-first search, {@code [U, x1, …, L, U]}. */
        List<List<String>> paths() {
            String top = top();
            List<List<String>> out = new ArrayList<>();
            for (String l : readers.get(top)) {
                List<String> chain = new ArrayList<>();
                chain.add(l);
                extend(chain, top, out);
            }
            return out;
        }

        private void extend(List<String> chain, String top, List<List<String>> out) {
            String last = chain.get(chain.size() - 1);
            for (Map.Entry<String, List<String>> e : lowers.entrySet()) {
                if (!e.getValue().contains(last)) {
                    continue;
                }
                if (e.getKey().equals(top)) {
                    List<String> path = new ArrayList<>();
                    path.add(top);
                    for (int i = chain.size() - 1; i >= 0; i--) {
                        path.add(chain.get(i));
                    }
                    path.add(top);
                    out.add(path);
                } else {
                    chain.add(e.getKey());
                    extend(chain, top, out);
                    chain.remove(chain.size() - 1);
                }
            }
        }
    }

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = ClosedArrayBuffers.retaining(NDManager.newBaseManager());
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** One instance of a graph's quadratic program on live DJL arrays, with a method per problem. */
    private final class Instance {
        final Graph graph;
        final Map<String, NDArray> theta = new HashMap<>();
        final Map<String, NDArray> a = new HashMap<>();
        final Map<String, Map<String, NDArray>> b = new HashMap<>();
        final Map<String, NDArray> target = new HashMap<>();
        final Map<String, HypergradConfig> config = new HashMap<>();
        final Map<String, BestResponseJacobian> method = new HashMap<>();
        final Map<String, InnerLoop> loop = new HashMap<>();

        Instance(Graph graph, Function<Integer, HypergradMethod> methods, long seed) {
            this.graph = graph;
            Random r = new Random(seed);
            for (String p : graph.problems) {
                NDArray x = manager.create(LinearAlgebra.randomVector(r, DIM));
                ParameterLists.of(p, x);
                theta.put(p, x);
            }
            int index = 0;
            for (String p : graph.problems) {
                if (p.equals(graph.top())) {
                    for (String l : graph.lowers.get(p)) {
                        target.put(l, manager.create(LinearAlgebra.randomVector(r, DIM)));
                    }
                    continue;
                }
                a.put(p, manager.create(LinearAlgebra.symmetricWithEigenvalues(r, 1, 2, 3)));
                Map<String, NDArray> bs = new LinkedHashMap<>();
                for (String y : graph.reads(p)) {
                    bs.put(y, manager.create(LinearAlgebra.randomMatrix(r, DIM, DIM)));
                }
                b.put(p, bs);
                HypergradMethod m = methods.apply(index++);
                HypergradConfig c = switch (m) {
                    case AID_CG -> new HypergradConfig(m, 1.0, DIM, false);
                    case AID_NEUMANN -> new HypergradConfig(m, 0.25, 12, false);
                    default -> HypergradConfig.defaults(m);
                };
                config.put(p, c);
                method.put(p, Hypergradients.forConfig(p, c));
                if (m == HypergradMethod.ITD_RMAD) {
                    List<RecordedStep> steps = new ArrayList<>();
                    for (int t = 0; t < ITD_UPDATES; t++) {
                        NDList before = new NDList(manager.create(LinearAlgebra.randomVector(r, DIM)));
                        steps.add(new RecordedStep(before, ITD_RATE, new NDList(), new NDList(), t + 1, () -> cost(p)));
                    }
                    loop.put(p, new InnerLoop(Hypergradients.unrolled(p, Sgd.builder().setLearningRate((float) ITD_RATE)
                            .build()), new NDList(), steps));
                }
            }
        }

        NDArray cost(String p) {
            NDArray x = theta.get(p);
            NDArray total = x.mul(a.get(p).matMul(x)).sum().mul(0.5);
            for (Map.Entry<String, NDArray> e : b.get(p).entrySet()) {
                total = total.sub(x.mul(e.getValue().matMul(theta.get(e.getKey()))).sum());
            }
            return total;
        }

        NDArray topCost() {
            NDArray lambda = theta.get(graph.top());
            NDArray total = lambda.square().sum().mul(RHO / 2);
            for (String l : graph.lowers.get(graph.top())) {
                total = total.add(theta.get(l).sub(target.get(l)).square().sum().mul(0.5));
            }
            return total;
        }

        ReverseAccumulation.Node node(String p) {
            return new ReverseAccumulation.Node() {
                @Override
                public NDList parameters() {
                    return new NDList(theta.get(p));
                }

                @Override
                public BestResponseJacobian method() {
                    return method.get(p);
                }

                @Override
                public JacobianContext context(String prevNames, NDList prevParams) {
                    return new JacobianContext(p, prevNames, new NDList(theta.get(p)), prevParams, () -> cost(p),
                            config.get(p), Autograd.get(), loop.get(p));
                }
            };
        }
    }

    private static ReverseAccumulation accumulation(Graph g) {
        return new ReverseAccumulation(g.lowers, g.readers);
    }

    private static double[] reverse(Instance inst) {
        try (GradientCollector gc = inst.theta.get(inst.graph.top()).getManager().getEngine().newGradientCollector()) {
            NDList g = accumulation(inst.graph).gradient(inst.graph.top(), inst.topCost(), inst::node, Autograd.get(),
                    new HashMap<>());
            return NDArrays.concat(g).toDoubleArray();
        }
    }

    /** The per-path sum, as the engine computed it before reverse accumulation. */
    private static double[] perPath(Instance inst) {
        String top = inst.graph.top();
        try (GradientCollector gc = inst.theta.get(top).getManager().getEngine().newGradientCollector()) {
            NDArray loss = inst.topCost();
            NDList total = Autograd.get().grad(loss, new NDList(inst.theta.get(top)), false);
            List<List<String>> paths = inst.graph.paths();
            Map<String, NDList> firstOrder = new HashMap<>();
            for (List<String> path : paths) {
                firstOrder.computeIfAbsent(path.get(1),
                        x -> Autograd.get().grad(loss, new NDList(inst.theta.get(x)), false));
            }
            for (List<String> path : paths) {
                NDList v = firstOrder.get(path.get(1));
                for (int i = 1; i < path.size() - 1; i++) {
                    String curr = path.get(i);
                    String prev = path.get(i + 1);
                    v = inst.method.get(curr).apply(v,
                            inst.node(curr).context(prev, new NDList(inst.theta.get(prev))));
                }
                total = Vectors.add(total, v);
            }
            return NDArrays.concat(total).toDoubleArray();
        }
    }

    /**
     * Reverse vs per-path for {@code methods}: the relative difference of the hypergradient
     * parts (total minus the direct gradient), so a small part cannot hide in the total.
     */
    private double compare(Graph g, String label, Function<Integer, HypergradMethod> methods, double tolerance) {
        Instance inst = new Instance(g, methods, 17);
        double[] direct;
        try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
            direct = Autograd.get().grad(inst.topCost(), new NDList(inst.theta.get(g.top())), false).get(0)
                    .toDoubleArray();
        }
        double[] expected = LinearAlgebra.minus(perPath(inst), direct);
        double[] got = LinearAlgebra.minus(reverse(inst), direct);
        double error = LinearAlgebra.relativeError(got, expected);
        double share = LinearAlgebra.norm(expected) / LinearAlgebra.norm(direct);
        System.out.printf("%s, %d paths, %s: reverse vs per-path relative difference of the hypergradient %.3e "
                + "(tolerance %.0e; its norm is %.2e of the direct gradient's)%n", g.name, g.paths().size(), label,
                error, tolerance, share);
        // the paths must carry something, or the comparison says nothing
        assertTrue(share > 1e-3, label + ": the hypergradient is negligible: " + share);
        assertTrue(error < tolerance, g.name + ", " + label + ": relative difference " + error);
        return error;
    }

    private static final HypergradMethod[] LINEAR = {HypergradMethod.AID_CG, HypergradMethod.AID_NEUMANN,
        HypergradMethod.ITD_RMAD};

    private void compareLinearMethods(Graph g) {
        for (HypergradMethod m : LINEAR) {
            compare(g, "all " + m, i -> m, 1e-10);
        }
        compare(g, "mixed CG/Neumann/ITD", i -> LINEAR[i % LINEAR.length], 1e-10);
        compare(g, "mixed ITD/CG/Neumann", i -> LINEAR[(i + 2) % LINEAR.length], 1e-10);
    }

    private static Graph figureOne(String name) {
        return new Graph(name).problem("Base").problem("Left").problem("Right").problem("Meta")
                .upperToLower("Meta", "Base")
                .lowerToUpper("Base", "Left").lowerToUpper("Base", "Right")
                .lowerToUpper("Left", "Meta").lowerToUpper("Right", "Meta");
    }

    /**
     * {@code layers} layers of two problems; each reads both optima of the layer below; the top
     * reads both of the last layer and is read by both of the first: 2^layers paths.
     */
    private static Graph ladder(int layers) {
        Graph g = new Graph("ladder of " + layers + " layers");
        for (int i = 1; i <= layers; i++) {
            g.problem("A" + i).problem("B" + i);
        }
        g.problem("Top");
        for (int i = 2; i <= layers; i++) {
            for (String lo : List.of("A", "B")) {
                for (String up : List.of("A", "B")) {
                    g.lowerToUpper(lo + (i - 1), up + i);
                }
            }
        }
        g.lowerToUpper("A" + layers, "Top").lowerToUpper("B" + layers, "Top");
        g.upperToLower("Top", "A1").upperToLower("Top", "B1");
        return g;
    }

    @Test
    void figureOneTwoPathsMatchThePerPathSum() {
        Graph g = figureOne("Figure 1");
        assertEquals(2, g.paths().size());
        compareLinearMethods(g);
    }

    @Test
    void chainsMatchThePerPathSum() {
        compareLinearMethods(new Graph("3-level chain").problem("W").problem("M").problem("T")
                .upperToLower("T", "W").lowerToUpper("W", "M").lowerToUpper("M", "T"));
        compareLinearMethods(new Graph("4-level chain").problem("W").problem("M").problem("N").problem("T")
                .upperToLower("T", "W").lowerToUpper("W", "M").lowerToUpper("M", "N").lowerToUpper("N", "T"));
    }

    /**
     * A 6-layer ladder, 64 paths (each problem on 2^5 = 32 of them); with the top also read by
     * A3 some paths end mid-ladder (the top's gradient then gathers at A3 and at the first layer).
     */
    @Test
    void ladderWithManyPathsMatchesThePerPathSum() {
        Graph g = ladder(6);
        assertEquals(64, g.paths().size());
        compare(g, "mixed CG/Neumann/ITD", i -> LINEAR[i % LINEAR.length], 1e-10);
        Graph shortcut = ladder(6).upperToLower("Top", "A3");
        assertEquals(64 + 8, shortcut.paths().size());
        compare(shortcut, "mixed ITD/CG/Neumann", i -> LINEAR[(i + 2) % LINEAR.length], 1e-10);
        // each problem's product runs once per step, whatever the number of paths through it
        ReverseAccumulation.Plan plan = accumulation(g).plan("Top");
        assertEquals(12, plan.visits().size());
        assertEquals(List.of("A6", "B6"), plan.seeds());
        assertEquals(new ReverseAccumulation.Visit("A6", List.of("A5", "B5")), plan.visits().get(0));
        assertEquals(List.of(new ReverseAccumulation.Visit("A1", List.of("Top")),
                new ReverseAccumulation.Visit("B1", List.of("Top"))), plan.visits().subList(10, 12));
    }

    /**
     * AID_FD: on quadratic costs the central difference is exact up to rounding, so the product
     * of the summed adjoint and the sum of per-path products agree within 1e-9 relative.
     */
    @Test
    void aidFdDiffersFromThePerPathSumOnlyByRoundingOnQuadraticCosts() {
        double figure = compare(figureOne("Figure 1"), "all AID_FD", i -> HypergradMethod.AID_FD, 1e-9);
        double ladder = compare(ladder(6), "mixed FD/CG/Neumann/ITD",
                i -> i % 4 == 0 ? HypergradMethod.AID_FD : LINEAR[i % LINEAR.length], 1e-9);
        System.out.printf("AID_FD reverse vs per-path: Figure 1 %.1e, mixed ladder %.1e%n", figure, ladder);
    }

    /**
     * Only problems on a backpropagation path of the top are visited: Side's optimum is read by
     * Left, but Side reads nothing of Meta, so no path goes through it, and Left's product goes
     * to Base alone.
     */
    @Test
    void problemsOffEveryPathAreNotVisited() {
        Graph g = new Graph("Figure 1 with Side").problem("Base").problem("Side").problem("Left").problem("Right")
                .problem("Meta")
                .upperToLower("Meta", "Base")
                .lowerToUpper("Base", "Left").lowerToUpper("Side", "Left").lowerToUpper("Base", "Right")
                .lowerToUpper("Left", "Meta").lowerToUpper("Right", "Meta");
        ReverseAccumulation.Plan plan = accumulation(g).plan("Meta");
        assertEquals(List.of("Left", "Right"), plan.seeds());
        assertEquals(List.of(new ReverseAccumulation.Visit("Left", List.of("Base")),
                new ReverseAccumulation.Visit("Right", List.of("Base")),
                new ReverseAccumulation.Visit("Base", List.of("Meta"))), plan.visits());
        compare(g, "mixed CG/Neumann/ITD", i -> LINEAR[i % LINEAR.length], 1e-10);
        // a problem with no path at all: no visits, the direct gradient only
        assertTrue(accumulation(g).plan("Left").visits().isEmpty());
    }
}
