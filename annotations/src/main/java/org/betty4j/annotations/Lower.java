package org.betty4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * This problem's cost uses the <em>optimal</em> parameters of a lower problem: a
 * lower-to-upper edge of the dataflow graph. The annotated field, constructor parameter or
 * training-step parameter must have the type of a {@link Level} class of a strictly lower
 * level; the generated wiring sets it. A field must not be private or final.
 *
 * <pre>{@code
 * @Level(2)
 * public class MetaWeightNet implements Trainable {
 *   @Lower Classifier classifier;   // Classifier is @Level(1)
 * }
 * }</pre>
 *
 * <p>The lower problem signals this problem after its unroll steps; this problem steps when
 * all its lower problems have signalled.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.FIELD, ElementType.PARAMETER})
public @interface Lower {}
