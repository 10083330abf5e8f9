package org.betty4j.runtime.engine;

/**
 * A loss, gradient or parameter became NaN or infinite. The message names the problem, the local
 * and global step and the quantity, and, when another problem's update caused it, that problem,
 * its parameter's last finite norm and what to change; the run stops instead of training on
 * garbage.
 */
public final class NonFiniteValueException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String problem;
    private final int localStep;
    private final int globalStep;
    private final String quantity;

    public NonFiniteValueException(String problem, int localStep, int globalStep, String quantity, double value) {
        super(problem + ": " + quantity + " is " + value + " at local step " + localStep + " (global step "
                + globalStep + "); lower the learning rate, clip gradients, or check the data and the training step");
        this.problem = problem;
        this.localStep = localStep;
        this.globalStep = globalStep;
        this.quantity = quantity;
    }

    /**
     * With the whole message: the engine's guard uses it to name the problem whose update caused
     * the value ({@code problem}), which may not be the problem that first saw it.
     */
    public NonFiniteValueException(String problem, int localStep, int globalStep, String quantity, String message) {
        super(message);
        this.problem = problem;
        this.localStep = localStep;
        this.globalStep = globalStep;
        this.quantity = quantity;
    }

    /** The problem blamed: the one whose update made the value non-finite when the guard could tell. */
    public String problem() {
        return problem;
    }

    public int localStep() {
        return localStep;
    }

    public int globalStep() {
        return globalStep;
    }

    public String quantity() {
        return quantity;
    }
}
