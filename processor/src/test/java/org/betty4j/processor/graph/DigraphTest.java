package org.betty4j.processor.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The graph algorithms on small graphs whose answers are read off by hand. */
class DigraphTest {

    private static Digraph graph(List<String> nodes, Edge... edges) {
        return new Digraph(nodes, List.of(edges));
    }

    @Test
    void cycleStartsAtSmallestNodeWhateverTheInsertionOrder() {
        Digraph g = graph(List.of("C", "B", "A"), new Edge("C", "A"), new Edge("B", "C"), new Edge("A", "B"));
        assertEquals(List.of(List.of("A", "B", "C", "A")), g.cycles());
    }

    @Test
    void selfLoopIsACycleOfLengthOne() {
        assertEquals(List.of(List.of("A", "A")), graph(List.of("A", "B"), new Edge("A", "A"), new Edge("A", "B")).cycles());
    }

    @Test
    void oneCyclePerStronglyConnectedComponentTheShortestThroughItsSmallestNode() {
        // component {A, B, C, D}: A -> B -> C -> D -> A and the shortcut C -> A; component {X, Y}
        Digraph g = graph(List.of(), new Edge("A", "B"), new Edge("B", "C"), new Edge("C", "D"), new Edge("D", "A"),
                new Edge("C", "A"), new Edge("Y", "X"), new Edge("X", "Y"), new Edge("D", "X"));
        assertEquals(List.of(List.of("A", "B", "C", "A"), List.of("X", "Y", "X")), g.cycles());
    }

    @Test
    void acyclicGraphHasNoCycles() {
        assertEquals(List.of(), graph(List.of(), new Edge("A", "B"), new Edge("A", "C"), new Edge("B", "C")).cycles());
    }

    @Test
    void reachabilityFollowsEdgeDirectionsWithoutListingPaths() {
        Digraph g = graph(List.of("A", "B", "C", "D", "E"),
                new Edge("A", "B"), new Edge("A", "C"), new Edge("B", "D"), new Edge("C", "D"));
        Reachability reach = new Reachability(g);
        assertEquals(true, reach.reaches("A", "D"));
        assertEquals(true, reach.reaches("C", "D"));
        assertEquals(true, reach.reaches("B", "B"));
        assertEquals(false, reach.reaches("D", "A"));
        assertEquals(false, reach.reaches("B", "C"));
        assertEquals(false, reach.reaches("E", "A"));
        assertEquals(false, reach.reaches("A", "E"));
    }

    @Test
    void weakComponentsIgnoreDirection() {
        Digraph g = graph(List.of("E"), new Edge("B", "A"), new Edge("C", "B"), new Edge("D", "F"));
        assertEquals(List.of(Set.of("A", "B", "C"), Set.of("D", "F"), Set.of("E")),
                g.weaklyConnectedComponents().stream().map(Set::copyOf).toList());
    }

    @Test
    void topologicalOrderFollowsPriorityAmongReadyNodes() {
        // B must come before A; otherwise the priority order A, B, C would hold
        Digraph g = graph(List.of("A", "B", "C"), new Edge("B", "A"));
        assertEquals(List.of("B", "A", "C"), g.topologicalOrder(List.of("A", "B", "C")));
    }
}
