package org.betty4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class as one optimization problem of a multilevel program and gives its level
 * (1 is the lowest). A lower problem is solved, by a few gradient steps, for the current
 * parameters of the problems above it; an upper problem's cost uses the (approximately)
 * optimal parameters of the problems below it.
 *
 * <p>All {@code @Level} classes of one Java package form one program; the annotation
 * processor generates its wiring class {@code <TopProblem>Engine} in that package.
 *
 * <pre>{@code
 * @Level(1)
 * public class Classifier implements Trainable {
 *   @Upper MetaWeightNet weighting;            // uses the weighting net's current parameters
 *
 *   @TrainingStep
 *   public NDArray trainingStep(Batch batch) { ... }
 * }
 *
 * @Level(value = 2, unrollSteps = 1, warmupSteps = 100, clipGradNorm = 5.0)
 * public class MetaWeightNet implements Trainable {
 *   @Lower Classifier classifier;              // uses the classifier's optimal parameters
 *   ...
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Level {

    /** The level of this problem; 1 is the lowest, every level must be positive. */
    int value();

    /**
     * The problem's name in logs, metrics and the generated wiring; defaults to the simple
     * class name. Names are unique within a program and follow {@link Rules#checkName}: an
     * ASCII identifier of at most {@link Rules#MAX_NAME_LENGTH} characters.
     */
    String name() default "";

    /**
     * How many local gradient steps this problem takes before it signals the problems that
     * use its optimum (its uppers). Must be at least 1.
     */
    int unrollSteps() default 1;

    /**
     * Local steps this problem takes before it first signals its uppers (they wait for a
     * trained lower). Must be 0 or more; 0 (the default) means no warm-up.
     */
    int warmupSteps() default 0;

    /**
     * Local steps whose gradients are averaged into one parameter update. Must be at least 1;
     * 1 (the default) updates after every step.
     */
    int gradientAccumulation() default 1;

    /**
     * Maximum global L2 norm of an update's gradient; larger gradients are scaled down to it.
     * Must be finite and 0 or more; 0 (the default) turns clipping off.
     */
    double clipGradNorm() default 0;
}
