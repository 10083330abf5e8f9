package org.betty4j.runtime.hypergrad;

/**
 * A best-response product's series diverged: its terms grew instead of shrinking. The message
 * names the problem, the method's α, the term and its norm, and how to fix it.
 */
public final class HypergradientDivergenceException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String problem;
    private final double alpha;
    private final int term;
    private final double termNorm;

    public HypergradientDivergenceException(String problem, String message, double alpha, int term, double termNorm) {
        super(message);
        this.problem = problem;
        this.alpha = alpha;
        this.term = term;
        this.termNorm = termNorm;
    }

    /** The problem whose best response was being differentiated. */
    public String problem() {
        return problem;
    }

    public double alpha() {
        return alpha;
    }

    /** The index j of the offending term {@code (I − αH)^j v}. */
    public int term() {
        return term;
    }

    public double termNorm() {
        return termNorm;
    }
}
