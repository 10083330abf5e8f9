package org.betty4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How upper problems' gradients are carried through <em>this</em> problem's best-response
 * Jacobian (the sensitivity of this problem's optimum to the parameters its cost uses).
 *
 * <p>Placement: on the class of a <strong>lower</strong> problem that lies inside at least one
 * backpropagation path, i.e. some upper problem reads this problem's optimum. This is
 * Betty's reading ("how to differentiate through me"): a problem that sits on several paths
 * is differentiated the same way on all of them. Anywhere else the annotation means nothing
 * and is a compile error. A problem on a path without {@code @Hypergrad} uses
 * {@link HypergradMethod#AID_FD} with its defaults.
 *
 * <pre>{@code
 * @Level(1)
 * @Hypergrad(value = HypergradMethod.AID_CG, iterations = 5)
 * public class Classifier implements Trainable { ... }
 * }</pre>
 *
 * <p>{@link #alpha()} and {@link #iterations()} left at {@code -1} take the method's defaults
 * ({@link HypergradMethod#defaultAlpha()}, {@link HypergradMethod#defaultIterations()});
 * setting one the method does not use is a compile error, as are an {@code alpha} that is not
 * finite and positive, {@code iterations < 1} and {@code firstOrder = true} with AID_CG or
 * AID_NEUMANN (the ranges are those of {@link Rules}). {@link HypergradMethod#ITD_RMAD} also needs a differentiable optimizer; which
 * optimizer a problem returns is only known at run time, so the runtime checks that.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Hypergrad {

    /** Sentinel for "the method's default". */
    double DEFAULT_ALPHA = -1;

    /** Sentinel for "the method's default". */
    int DEFAULT_ITERATIONS = -1;

    /** The best-response Jacobian method. */
    HypergradMethod value();

    /**
     * AID_FD: finite-difference radius, ε = α/‖v‖. AID_CG: scale of the solution (H/α is
     * inverted). AID_NEUMANN: series step α, needs α &lt; 2/L. Not used by ITD_RMAD.
     */
    double alpha() default DEFAULT_ALPHA;

    /** AID_CG: conjugate-gradient iterations. AID_NEUMANN: series terms. Not used otherwise. */
    int iterations() default DEFAULT_ITERATIONS;

    /** Drop second-order terms where the method allows it (AID_FD, ITD_RMAD). */
    boolean firstOrder() default false;
}
