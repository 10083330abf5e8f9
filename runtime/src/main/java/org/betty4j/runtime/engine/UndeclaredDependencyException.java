package org.betty4j.runtime.engine;

/**
 * A problem's cost reads the parameters of a problem its annotations do not connect it to:
 * hypergradients follow the declared edges only, so that dependency would be left out of them
 * without a warning. Found by the engine's dependency audit; the message names the cost, the
 * problem whose parameters it reads, and the annotation to add.
 */
public final class UndeclaredDependencyException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String problem;
    private final String readProblem;

    UndeclaredDependencyException(String problem, String readProblem, String message) {
        super(message);
        this.problem = problem;
        this.readProblem = readProblem;
    }

    /** The problem whose cost has the undeclared dependency. */
    public String problem() {
        return problem;
    }

    /** The problem whose parameters that cost reads. */
    public String readProblem() {
        return readProblem;
    }
}
