package org.betty4j.processor.validate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import org.betty4j.processor.report.ErrorReport;
import org.betty4j.processor.report.Messages;
import org.betty4j.processor.graph.Digraph;
import org.betty4j.processor.graph.Edge;
import org.betty4j.processor.graph.ProgramGraph;
import org.betty4j.processor.graph.Reachability;
import org.betty4j.processor.model.Direction;
import org.betty4j.processor.model.ProblemModel;
import org.betty4j.processor.model.ProgramModel;
import org.betty4j.processor.model.ResolvedDependency;
import org.betty4j.processor.model.Site;

/**
 * Checks the dataflow graph of a program whose problems and dependencies are individually
 * valid, in Betty's semantics (processor/README-processor.md, "The dataflow graph"):
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
 * It only judges; {@link org.betty4j.processor.plan.Planner} turns a valid program into the
 * plan the generator writes. Nothing here enumerates paths: "is there a path back" and "does
 * this problem lie inside a path" are reachability questions, linear in the graph's size.
 */
public final class GraphValidator {

    private final ErrorReport report;

    public GraphValidator(ErrorReport report) {
        this.report = report;
    }

    /** Whether the graph is valid; every broken rule is reported. */
    public boolean validate(ProgramModel program, List<ResolvedDependency> dependencies) {
        int before = report.count();
        ProgramGraph graph = ProgramGraph.of(program, dependencies);
        Set<Edge> onCycles = reportLowerToUpperCycles(graph.lowerToUpperGraph(), dependencies);
        checkLevelDirections(dependencies, onCycles);
        if (report.count() > before) {
            return false;
        }

        checkConnected(program, graph);
        Reachability reach = new Reachability(graph.lowerToUpperGraph());
        for (Edge e : graph.upperToLower()) {
            if (!reach.reaches(e.to(), e.from())) {
                firstDependency(dependencies, Direction.UPPER, e.from(), e.to()).ifPresent(d ->
                        report.error(d.dependency().element(), d.dependency().annotation(),
                                Messages.noPathBack(e.to(), d.dependency().memberName(), e.from())));
            }
        }
        reportConstructorCycles(program, dependencies);
        Set<String> interior = graph.pathInterior(reach);
        for (ProblemModel p : program.problems()) {
            if (p.hypergrad().isPresent() && !interior.contains(p.name())) {
                report.error(p.type(), p.hypergrad().get().annotation(), Messages.hypergradNotOnPath(p.simpleName()));
            }
        }
        return report.count() == before;
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

    private void checkConnected(ProgramModel program, ProgramGraph graph) {
        List<Edge> all = new ArrayList<>(graph.upperToLower());
        all.addAll(graph.lowerToUpper());
        List<SortedSet<String>> groups = new Digraph(graph.names(), all).weaklyConnectedComponents();
        if (groups.size() > 1) {
            ProblemModel top = program.top();
            SortedSet<String> other = groups.stream().filter(g -> !g.contains(top.name())).findFirst().orElseThrow();
            ProblemModel at = program.byName().get(other.first());
            report.error(at.type(), at.levelAnnotation(), Messages.disconnected(program.packageName(),
                    groups.stream().map(g -> (List<String>) new ArrayList<>(g)).toList()));
        }
    }

    /** A cycle of constructor dependencies: none of its problems can be constructed first. */
    private void reportConstructorCycles(ProgramModel program, List<ResolvedDependency> dependencies) {
        for (List<String> cycle : ProgramGraph.constructorNeeds(program, dependencies).cycles()) {
            String owner = cycle.get(0);
            dependencies.stream()
                    .filter(d -> d.dependency().site() == Site.CONSTRUCTOR_PARAMETER
                            && d.owner().name().equals(owner) && d.target().name().equals(cycle.get(1)))
                    .findFirst()
                    .ifPresent(d -> report.error(d.dependency().element(), d.dependency().annotation(),
                            Messages.constructorCycle(cycle)));
        }
    }

    private static Optional<ResolvedDependency> firstDependency(List<ResolvedDependency> dependencies,
            Direction direction, String target, String owner) {
        return dependencies.stream()
                .filter(d -> d.direction() == direction && d.target().name().equals(target) && d.owner().name().equals(owner))
                .findFirst();
    }
}
