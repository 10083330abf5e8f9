package org.betty4j.annotations;

/**
 * Best-response Jacobian methods: how a vector {@code v} (the gradient of an upper cost with
 * respect to a lower problem's optimal parameters) is carried back to the parameters that
 * lower problem's cost depends on.
 */
public enum HypergradMethod {

    /**
     * Approximate implicit differentiation with H ≈ I and a central finite difference:
     * {@code -(∂²C/∂θ_prev∂θ_curr)·v ≈ -(∇_prev C(θ+εv) - ∇_prev C(θ-εv)) / 2ε}, with
     * {@code ε = α/‖v‖} (DARTS). First-order derivatives only.
     */
    AID_FD(0.01, 0, true, false),

    /**
     * Approximate implicit differentiation: {@code k} conjugate-gradient steps on
     * {@code (αH) y = v} with exact Hessian-vector products, {@code x = α y} (so {@code H x = v};
     * α only scales the numbers), then the mixed product with {@code x}.
     */
    AID_CG(1.0, 3, true, true),

    /**
     * Approximate implicit differentiation with a truncated Neumann series
     * {@code H⁻¹v ≈ α Σ_{j=0..k} (I - αH)^j v}, then the mixed product.
     */
    AID_NEUMANN(0.1, 3, true, true),

    /**
     * Iterative differentiation: reverse-mode through the optimizer updates of the problem's last
     * inner loop, exact for that unrolled procedure (reset the problem at each inner-loop start to
     * differentiate the whole procedure). The runtime differentiates its own {@code Sgd} (with
     * momentum and weight decay) and {@code Adam}, and refuses, naming the problem, what it cannot
     * differentiate: gradient accumulation, clipping, roll-back, other optimizers.
     */
    ITD_RMAD(0, 0, false, false);

    private final double defaultAlpha;
    private final int defaultIterations;
    private final boolean usesAlpha;
    private final boolean usesIterations;

    HypergradMethod(double defaultAlpha, int defaultIterations, boolean usesAlpha, boolean usesIterations) {
        this.defaultAlpha = defaultAlpha;
        this.defaultIterations = defaultIterations;
        this.usesAlpha = usesAlpha;
        this.usesIterations = usesIterations;
    }

    /** The α used when {@link Hypergrad#alpha()} is left at its default. */
    public double defaultAlpha() {
        return defaultAlpha;
    }

    /** The iteration count used when {@link Hypergrad#iterations()} is left at its default. */
    public int defaultIterations() {
        return defaultIterations;
    }

    /** Whether {@link Hypergrad#alpha()} means anything for this method. */
    public boolean usesAlpha() {
        return usesAlpha;
    }

    /** Whether {@link Hypergrad#iterations()} means anything for this method. */
    public boolean usesIterations() {
        return usesIterations;
    }
}
