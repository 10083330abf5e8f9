package org.betty4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the one method that computes a problem's cost for a batch.
 *
 * <p>Rules, checked at compile time: exactly one per {@link Level} class; not private, not
 * static, not generic, no checked exceptions; the first parameter is an
 * {@code ai.djl.training.dataset.Batch}; any further parameter is annotated {@link Upper} or
 * {@link Lower} and has a problem type; the return type is {@code ai.djl.ndarray.NDArray} (a
 * scalar) or {@code org.betty4j.runtime.problem.Cost} (a scalar and named metrics).
 *
 * <pre>{@code
 * @TrainingStep
 * public NDArray trainingStep(Batch batch, @Upper MetaWeightNet weighting) {
 *   NDArray losses = crossEntropy(forward(batch.getData()), batch.getLabels());
 *   return losses.mul(weighting.weights(losses)).sum();
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface TrainingStep {}
