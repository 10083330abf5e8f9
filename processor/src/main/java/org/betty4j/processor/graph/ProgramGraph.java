package org.betty4j.processor.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.betty4j.processor.model.Direction;
import org.betty4j.processor.model.ProblemModel;
import org.betty4j.processor.model.ProgramModel;
import org.betty4j.processor.model.ResolvedDependency;
import org.betty4j.processor.model.Site;

/**
 * The dataflow graph of a program: problem names and the two kinds of edges, both sorted.
 * Both annotations name the other problem and the edge always points into the owner:
 * {@code @Upper X} in {@code P} is the upper-to-lower edge {@code X -> P}, {@code @Lower Y} in
 * {@code P} the lower-to-upper edge {@code Y -> P}.
 *
 * @param names the problem names, in the program's order
 * @param upperToLower sorted upper-to-lower edges
 * @param lowerToUpper sorted lower-to-upper edges
 */
public record ProgramGraph(List<String> names, List<Edge> upperToLower, List<Edge> lowerToUpper) {

    public static ProgramGraph of(ProgramModel program, List<ResolvedDependency> dependencies) {
        Set<Edge> upperToLower = new TreeSet<>();
        Set<Edge> lowerToUpper = new TreeSet<>();
        for (ResolvedDependency d : dependencies) {
            Edge e = new Edge(d.target().name(), d.owner().name());
            (d.direction() == Direction.UPPER ? upperToLower : lowerToUpper).add(e);
        }
        return new ProgramGraph(program.problems().stream().map(ProblemModel::name).toList(),
                List.copyOf(upperToLower), List.copyOf(lowerToUpper));
    }

    public Digraph lowerToUpperGraph() {
        return new Digraph(names, lowerToUpper);
    }

    /**
     * Problems inside some backpropagation path {@code [U, x1, ..., L, U]} (as {@code x1..L}):
     * for an upper-to-lower edge {@code U -> L}, every {@code x} with {@code L ->* x ->+ U}
     * along lower-to-upper edges. {@code reach} is over the (acyclic) lower-to-upper graph.
     */
    public Set<String> pathInterior(Reachability reach) {
        Set<String> interior = new TreeSet<>();
        for (Edge e : upperToLower) {
            for (String x : names) {
                if (!x.equals(e.from()) && reach.reaches(e.to(), x) && reach.reaches(x, e.from())) {
                    interior.add(x);
                }
            }
        }
        return Collections.unmodifiableSet(interior);
    }

    /** Edges {@code owner -> needed} for every constructor-injected dependency. */
    public static Digraph constructorNeeds(ProgramModel program, List<ResolvedDependency> dependencies) {
        List<Edge> needs = new ArrayList<>();
        for (ResolvedDependency d : dependencies) {
            if (d.dependency().site() == Site.CONSTRUCTOR_PARAMETER) {
                needs.add(new Edge(d.owner().name(), d.target().name()));
            }
        }
        return new Digraph(program.problems().stream().map(ProblemModel::name).toList(), needs);
    }
}
