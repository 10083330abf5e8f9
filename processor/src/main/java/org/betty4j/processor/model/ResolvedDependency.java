package org.betty4j.processor.model;

/**
 * A dependency whose type is a problem of the same program (it may still point the wrong way
 * in levels; the graph stage checks that).
 *
 * @param dependency the annotation as written
 * @param owner the problem that declares it
 * @param target the problem it refers to
 */
public record ResolvedDependency(Dependency dependency, ProblemModel owner, ProblemModel target) {

    public Direction direction() {
        return dependency.direction();
    }
}
