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
    void simplePathsAreAllFoundInAlphabeticalOrder() {
        // diamond A -> {B, C} -> D plus the direct A -> D
        Digraph g = graph(List.of(), new Edge("A", "C"), new Edge("A", "B"), new Edge("B", "D"), new Edge("C", "D"),
                new Edge("A", "D"));
        assertEquals(List.of(List.of("A", "B", "D"), List.of("A", "C", "D"), List.of("A", "D")), g.simplePaths("A", "D"));
        assertEquals(List.of(), g.simplePaths("D", "A"));
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
