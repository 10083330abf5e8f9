package org.betty4j.processor.model;

/** Which annotation made a dependency, i.e. which kind of dataflow edge it is. */
public enum Direction {
    /** {@code @Upper X} on problem P: X's current parameters appear in P's cost; edge X -> P. */
    UPPER("@Upper", "upper-to-lower"),
    /** {@code @Lower Y} on problem P: Y's optimal parameters appear in P's cost; edge Y -> P. */
    LOWER("@Lower", "lower-to-upper");

    private final String annotation;
    private final String edgeKind;

    Direction(String annotation, String edgeKind) {
        this.annotation = annotation;
        this.edgeKind = edgeKind;
    }

    /** {@code "@Upper"} or {@code "@Lower"}, for messages. */
    public String annotation() {
        return annotation;
    }

    /** {@code "upper-to-lower"} or {@code "lower-to-upper"}, for messages. */
    public String edgeKind() {
        return edgeKind;
    }
}
