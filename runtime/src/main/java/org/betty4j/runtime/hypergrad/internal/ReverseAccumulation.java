package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.betty4j.runtime.autograd.Autograd;

/**
 * A problem's hypergradient by reverse accumulation over the program's graph, as reverse-mode
 * autodiff does, in time linear in the number of edges, never in the number of
 * backpropagation paths.
 *
 * <p>For the upper problem U being stepped: adjoints are seeded with {@code a[x] = ∂C_U/∂θ_x}
 * for each problem x whose optimum C_U reads (taken from the loss, with U's direct gradient,
 * before any product perturbs parameters); the problems below U that lie on some
 * backpropagation path of U are visited in reverse topological order (highest first); at each
 * such problem {@code curr}, its method's best-response product is applied once to the summed
 * adjoint {@code a[curr]}, with respect to the parameters of all its continuations together:
 * each lower of {@code curr} on a path (the result adds into that lower's adjoint) and U itself
 * when {@code curr}'s cost reads U's parameters (the result adds into U's gradient).
 *
 * <p>For a method whose product is linear in {@code v} (AID_NEUMANN, ITD_RMAD, AID_CG run to
 * convergence) the result equals the sum over paths {@code [U, x1, …, L, U]} of the products
 * chained along each path; AID_FD's step {@code ε = α/‖v‖} depends on {@code v}, so its
 * product of a sum differs from the sum of its products by its finite-difference error (see
 * runtime/HYPERGRADIENTS.md).
 */
public final class ReverseAccumulation {

    /** A problem as the accumulation uses it. */
    public interface Node {

        /** The live parameters. */
        NDList parameters();

        /** The problem's hypergradient method. */
        BestResponseJacobian method();

        /**
         * The context of a product through this problem to {@code prevParams}, the parameters of
         * the problems named {@code prevNames} (comma-separated), all read by this problem's cost.
         */
        JacobianContext context(String prevNames, NDList prevParams);
    }

    /** One visit of the reverse sweep: {@code curr}'s product goes to {@code continuations}' parameters. */
    record Visit(String curr, List<String> continuations) {}

    /**
     * The sweep for one upper problem.
     *
     * @param seeds the problems whose optimum the upper's cost reads, on some path, in program order
     * @param visits the problems on some path, highest first
     */
    record Plan(List<String> seeds, List<Visit> visits) {}

    private final Map<String, List<String>> lowersOf;
    private final Map<String, List<String>> uppersOf;
    private final Map<String, Set<String>> parametersReadBy;
    private final Map<String, Plan> plans = new ConcurrentHashMap<>();

    /**
     * @param lowerToUpper each problem's lowers: the problems whose optimum its cost reads (the
     *     lower-to-upper edges), every problem a key, in program order
     * @param upperToLower for each problem, the problems whose cost reads its current parameters
     *     (the upper-to-lower edges)
     */
    public ReverseAccumulation(Map<String, List<String>> lowerToUpper, Map<String, List<String>> upperToLower) {
        this.lowersOf = new LinkedHashMap<>();
        this.uppersOf = new LinkedHashMap<>();
        lowerToUpper.keySet().forEach(p -> uppersOf.put(p, new ArrayList<>()));
        lowerToUpper.forEach((upper, lowers) -> {
            lowersOf.put(upper, List.copyOf(lowers));
            for (String lower : lowers) {
                uppersOf.computeIfAbsent(lower, k -> new ArrayList<>()).add(upper);
            }
        });
        this.parametersReadBy = new HashMap<>();
        upperToLower.forEach((upper, lowers) -> parametersReadBy.put(upper, new LinkedHashSet<>(lowers)));
    }

    /** The sweep of {@code upper}, computed once (the graph is fixed). */
    Plan plan(String upper) {
        return plans.computeIfAbsent(upper, this::computePlan);
    }

    private List<String> lowers(String p) {
        return lowersOf.getOrDefault(p, List.of());
    }

    private List<String> uppers(String p) {
        return uppersOf.getOrDefault(p, List.of());
    }

    private Plan computePlan(String upper) {
        Set<String> read = parametersReadBy.getOrDefault(upper, Set.of());
        // below: problems whose optimum reaches the upper's cost (through lower-to-upper edges)
        Set<String> below = reachable(lowers(upper), this::lowers);
        // fromRead: problems reached upwards from a problem whose cost reads the upper's parameters
        Set<String> fromRead = reachable(new ArrayList<>(read), this::uppers);
        Set<String> onPath = new LinkedHashSet<>();
        for (String p : lowersOf.keySet()) {
            if (below.contains(p) && fromRead.contains(p)) {
                onPath.add(p);
            }
        }
        List<String> seeds = new ArrayList<>();
        for (String p : lowers(upper)) {
            if (onPath.contains(p)) {
                seeds.add(p);
            }
        }
        // Kahn's algorithm, from the top: a problem is visited once every problem above it on a
        // path (every one that adds into its adjoint) has been
        Map<String, Integer> waiting = new HashMap<>();
        for (String p : onPath) {
            int n = 0;
            for (String u : uppers(p)) {
                if (onPath.contains(u)) {
                    n++;
                }
            }
            waiting.put(p, n);
        }
        Deque<String> ready = new ArrayDeque<>();
        for (String p : onPath) {
            if (waiting.get(p) == 0) {
                ready.add(p);
            }
        }
        List<Visit> visits = new ArrayList<>();
        while (!ready.isEmpty()) {
            String curr = ready.poll();
            List<String> continuations = new ArrayList<>();
            for (String lower : lowers(curr)) {
                if (onPath.contains(lower)) {
                    continuations.add(lower);
                    if (waiting.merge(lower, -1, Integer::sum) == 0) {
                        ready.add(lower);
                    }
                }
            }
            if (read.contains(curr)) {
                continuations.add(upper);
            }
            visits.add(new Visit(curr, List.copyOf(continuations)));
        }
        if (visits.size() != onPath.size()) {
            throw new IllegalStateException("the lower-to-upper edges below " + upper + " form a cycle among "
                    + onPath + "; a program's lower-to-upper edges must be acyclic");
        }
        return new Plan(List.copyOf(seeds), Collections.unmodifiableList(visits));
    }

    private static Set<String> reachable(List<String> start, Function<String, List<String>> next) {
        Set<String> seen = new LinkedHashSet<>(start);
        Deque<String> todo = new ArrayDeque<>(start);
        while (!todo.isEmpty()) {
            for (String n : next.apply(todo.poll())) {
                if (seen.add(n)) {
                    todo.add(n);
                }
            }
        }
        return seen;
    }

    /**
     * The gradient of {@code loss}, the upper problem's cost, with respect to its parameters:
     * its direct gradient plus what reaches it through the best responses of the problems below.
     * Each product's diagnostics go to {@code diagnostics} as {@code <problem>.<name>}.
     *
     * @param upper the problem being stepped
     * @param loss its cost, with its gradient graph
     * @param nodes the problems by name
     */
    public NDList gradient(String upper, NDArray loss, Function<String, Node> nodes, Autograd autograd,
            Map<String, Double> diagnostics) {
        return gradient(upper, loss, nodes, autograd, diagnostics, v -> true);
    }

    /**
     * As {@link #gradient(String, NDArray, Function, Autograd, Map)}, but returns null, before
     * any product, when an adjoint about to be carried fails {@code carry} (under loss scaling:
     * an overflowed vector, which a finite-difference product would add to a lower problem's
     * parameters).
     */
    public NDList gradient(String upper, NDArray loss, Function<String, Node> nodes, Autograd autograd,
            Map<String, Double> diagnostics, java.util.function.Predicate<NDList> carry) {
        Plan plan = plan(upper);
        NDList own = nodes.apply(upper).parameters();
        if (plan.visits().isEmpty()) {
            return autograd.grad(loss, own, false);
        }
        // every first-order term in one call, before any product perturbs parameters in place
        // (that would invalidate this loss's graph)
        NDList inputs = new NDList(own);
        for (String seed : plan.seeds()) {
            inputs.addAll(nodes.apply(seed).parameters());
        }
        NDList firstOrder = autograd.grad(loss, inputs, false);
        NDList total = slice(firstOrder, 0, own.size());
        Map<String, NDList> adjoints = new HashMap<>();
        int offset = own.size();
        for (String seed : plan.seeds()) {
            int n = nodes.apply(seed).parameters().size();
            adjoints.put(seed, slice(firstOrder, offset, n));
            offset += n;
        }
        for (Visit visit : plan.visits()) {
            Node curr = nodes.apply(visit.curr());
            NDList v = adjoints.remove(visit.curr());
            if (!carry.test(v)) {
                return null;
            }
            NDList prevParams = new NDList();
            for (String prev : visit.continuations()) {
                prevParams.addAll(nodes.apply(prev).parameters());
            }
            NDList product = curr.method().apply(v,
                    curr.context(String.join(", ", visit.continuations()), prevParams));
            curr.method().lastDiagnostics().forEach((name, value) ->
                    diagnostics.merge(visit.curr() + "." + name, value, Math::max));
            int at = 0;
            for (String prev : visit.continuations()) {
                int n = nodes.apply(prev).parameters().size();
                NDList part = slice(product, at, n);
                at += n;
                if (prev.equals(upper)) {
                    total = Vectors.add(total, part);
                } else {
                    adjoints.merge(prev, part, Vectors::add);
                }
            }
        }
        return total;
    }

    private static NDList slice(NDList list, int from, int count) {
        return new NDList(list.subList(from, from + count));
    }
}
