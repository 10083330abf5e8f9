package org.betty4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * This problem's cost uses the <em>current</em> parameters of an upper problem: an
 * upper-to-lower edge of the dataflow graph. The annotated field, constructor parameter or
 * training-step parameter must have the type of a {@link Level} class of a strictly higher
 * level; the generated wiring sets it. A field must not be private or final.
 *
 * <pre>{@code
 * @Level(1)
 * public class Classifier implements Trainable {
 *   @Upper MetaWeightNet weighting;   // MetaWeightNet is @Level(2)
 * }
 * }</pre>
 *
 * <p>Every upper-to-lower edge {@code U -> L} needs a way back: a chain of {@link Lower}
 * edges from {@code L} up to {@code U}, along which {@code U}'s hypergradient flows.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.FIELD, ElementType.PARAMETER})
public @interface Upper {}
