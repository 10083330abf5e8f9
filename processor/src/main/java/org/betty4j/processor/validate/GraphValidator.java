package org.betty4j.processor.validate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.betty4j.processor.ErrorReport;
import org.betty4j.processor.Messages;
import org.betty4j.processor.graph.Digraph;
import org.betty4j.processor.graph.Edge;
import org.betty4j.processor.graph.ProgramPlan;
import org.betty4j.processor.model.Direction;
import org.betty4j.processor.model.ProblemModel;
import org.betty4j.processor.model.ProgramModel;
import org.betty4j.processor.model.ResolvedDependency;
import org.betty4j.processor.model.Site;

/**
 * Builds the dataflow graph of a program whose problems and dependencies are individually
 * valid, and checks it in Betty's semantics (architecture.md):
 * <ol>
 *   <li>cycles among lower-to-upper edges, each printed once as a closed path starting at its
 *       alphabetically smallest problem (a {@code @Lower} of the problem's own type is a cycle
 *       of length 1);</li>
 *   <li>{@code @Upper} to a strictly higher level, {@code @Lower} to a strictly lower one
 *       (edges on a reported cycle are not reported again);</li>
 *   <li>then, only if those hold: one connected program per package, a path back for every
 *       upper-to-lower edge, no constructor-dependency cycle, {@code @Hypergrad} only on
 *       problems inside a path.</li>
 * </ol>
 */
public final class GraphValidator {

    private final ErrorReport report;

    public GraphValidator(ErrorReport report) {
        this.report = report;
    }

    /** The program's plan, or empty when an error was reported. */
    public Optional<ProgramPlan> validate(ProgramModel program, List<ResolvedDependency> dependencies) {
        int before = report.count();
        List<String> names = program.problems().stream().map(ProblemModel::name).toList();
        Set<Edge> upperToLower = new TreeSet<>();
        Set<Edge> lowerToUpper = new TreeSet<>();
        for (ResolvedDependency d : dependencies) {
            // both annotations name the other problem; the edge always points into the owner
            Edge e = new Edge(d.target().name(), d.owner().name());
            (d.direction() == Direction.UPPER ? upperToLower : lowerToUpper).add(e);
        }
        Digraph lowerToUpperGraph = new Digraph(names, lowerToUpper);
        Set<Edge> onCycles = reportLowerToUpperCycles(lowerToUpperGraph, dependencies);
        checkLevelDirections(dependencies, onCycles);
        if (report.count() > before) {
            return Optional.empty();
        }

        checkConnected(program, names, upperToLower, lowerToUpper);
        List<List<String>> paths = paths(upperToLower, lowerToUpperGraph, dependencies);
        List<ProblemModel> executionOrder = program.problems().stream().sorted(ProgramPlan.EXECUTION_ORDER).toList();
        List<ProblemModel> constructionOrder = constructionOrder(program, executionOrder, dependencies);
        Set<String> interior = new TreeSet<>();
        paths.forEach(p -> interior.addAll(p.subList(1, p.size() - 1)));
        for (ProblemModel p : program.problems()) {
            if (p.hypergrad().isPresent() && !interior.contains(p.name())) {
                report.error(p.type(), p.hypergrad().get().annotation(), Messages.hypergradNotOnPath(p.simpleName()));
            }
        }
        if (report.count() > before) {
            return Optional.empty();
        }
        return Optional.of(new ProgramPlan(program, ProgramPlan.topOf(program.problems()), executionOrder,
                constructionOrder, List.copyOf(upperToLower), List.copyOf(lowerToUpper), paths,
                Collections.unmodifiableSet(interior), dependencies));
    }

    private Set<Edge> reportLowerToUpperCycles(Digraph graph, List<ResolvedDependency> dependencies) {
        Set<Edge> onCycles = new HashSet<>();
        for (SortedSet<String> component : graph.stronglyConnectedComponents()) {
            for (String from : component) {
                for (String to : graph.successors(from)) {
                    if (component.contains(to)) {
                        onCycles.add(new Edge(from, to));
                    }
                }
            }
        }
        for (List<String> cycle : graph.cycles()) {
            // report at the @Lower in the cycle's first problem that closes the cycle
            String owner = cycle.get(0);
            String lower = cycle.get(cycle.size() - 2);
            firstDependency(dependencies, Direction.LOWER, lower, owner).ifPresent(d ->
                    report.error(d.dependency().element(), d.dependency().annotation(), Messages.lowerToUpperCycle(cycle)));
        }
        return onCycles;
    }

    private void checkLevelDirections(List<ResolvedDependency> dependencies, Set<Edge> onCycles) {
        for (ResolvedDependency d : dependencies) {
            ProblemModel owner = d.owner();
            ProblemModel target = d.target();
            String member = d.dependency().memberName();
            if (d.direction() == Direction.UPPER) {
                if (owner.equals(target)) {
                    report.error(d.dependency().element(), d.dependency().annotation(),
                            Messages.selfDependency(owner.simpleName(), member));
                } else if (target.level() <= owner.level()) {
                    report.error(d.dependency().element(), d.dependency().annotation(), Messages.upperNotHigher(
                            owner.simpleName(), owner.level(), member, target.simpleName(), target.level()));
                }
            } else if (!onCycles.contains(new Edge(target.name(), owner.name())) && target.level() >= owner.level()) {
                report.error(d.dependency().element(), d.dependency().annotation(), Messages.lowerNotLower(
                        owner.simpleName(), owner.level(), member, target.simpleName(), target.level()));
            }
        }
    }

    private void checkConnected(ProgramModel program, List<String> names, Set<Edge> upperToLower, Set<Edge> lowerToUpper) {
        List<Edge> all = new ArrayList<>(upperToLower);
        all.addAll(lowerToUpper);
        List<SortedSet<String>> groups = new Digraph(names, all).weaklyConnectedComponents();
        if (groups.size() > 1) {
            ProblemModel top = ProgramPlan.topOf(program.problems());
            SortedSet<String> other = groups.stream().filter(g -> !g.contains(top.name())).findFirst().orElseThrow();
            ProblemModel at = program.byName().get(other.first());
            report.error(at.type(), at.levelAnnotation(), Messages.disconnected(program.packageName(),
                    groups.stream().map(g -> (List<String>) new ArrayList<>(g)).toList()));
        }
    }

    /** For every upper-to-lower edge U -> L, every lower-to-upper path from L to U, written [U, ..., L, U]. */
    private List<List<String>> paths(Set<Edge> upperToLower, Digraph lowerToUpper, List<ResolvedDependency> dependencies) {
        List<List<String>> out = new ArrayList<>();
        for (Edge e : upperToLower) {
            String upper = e.from();
            String lower = e.to();
            List<List<String>> found = lowerToUpper.simplePaths(lower, upper);
            if (found.isEmpty()) {
                firstDependency(dependencies, Direction.UPPER, upper, lower).ifPresent(d ->
                        report.error(d.dependency().element(), d.dependency().annotation(),
                                Messages.noPathBack(lower, d.dependency().memberName(), upper)));
            }
            for (List<String> up : found) {
                List<String> path = new ArrayList<>(up);
                Collections.reverse(path);
                path.add(upper);
                out.add(List.copyOf(path));
            }
        }
        out.sort(GraphValidator::compareLists);
        return List.copyOf(out);
    }

    private static int compareLists(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** Problems a constructor needs are constructed first; a cycle among them is an error. */
    private List<ProblemModel> constructionOrder(ProgramModel program, List<ProblemModel> executionOrder,
            List<ResolvedDependency> dependencies) {
        List<Edge> needs = new ArrayList<>();
        for (ResolvedDependency d : dependencies) {
            if (d.dependency().site() == Site.CONSTRUCTOR_PARAMETER) {
                needs.add(new Edge(d.owner().name(), d.target().name()));
            }
        }
        List<String> names = executionOrder.stream().map(ProblemModel::name).toList();
        Digraph needGraph = new Digraph(names, needs);
        List<List<String>> cycles = needGraph.cycles();
        for (List<String> cycle : cycles) {
            String owner = cycle.get(0);
            dependencies.stream()
                    .filter(d -> d.dependency().site() == Site.CONSTRUCTOR_PARAMETER
                            && d.owner().name().equals(owner) && d.target().name().equals(cycle.get(1)))
                    .findFirst()
                    .ifPresent(d -> report.error(d.dependency().element(), d.dependency().annotation(),
                            Messages.constructorCycle(cycle)));
        }
        if (!cycles.isEmpty()) {
            return executionOrder;
        }
        List<Edge> firstThen = needs.stream().map(e -> new Edge(e.to(), e.from())).toList();
        List<String> order = new Digraph(names, firstThen).topologicalOrder(names);
        return order.stream().map(n -> program.byName().get(n)).toList();
    }

    private static Optional<ResolvedDependency> firstDependency(List<ResolvedDependency> dependencies,
            Direction direction, String target, String owner) {
        return dependencies.stream()
                .filter(d -> d.direction() == direction && d.target().name().equals(target) && d.owner().name().equals(owner))
                .findFirst();
    }
}
