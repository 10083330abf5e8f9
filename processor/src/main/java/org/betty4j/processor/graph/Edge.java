package org.betty4j.processor.graph;

import java.util.Comparator;

/** A directed edge between two problems, by name. */
public record Edge(String from, String to) implements Comparable<Edge> {

    private static final Comparator<Edge> ORDER = Comparator.comparing(Edge::from).thenComparing(Edge::to);

    @Override
    public int compareTo(Edge other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return from + " -> " + to;
    }
}
