package org.betty4j.processor.model;

import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import org.betty4j.annotations.HypergradMethod;

/**
 * A {@code @Hypergrad} annotation as written: values the user set explicitly are present,
 * defaults are empty (so a value the method does not use can be reported at the value).
 */
public record HypergradModel(AnnotationMirror annotation, HypergradMethod method, AnnotationValue methodValue,
        Optional<Explicit<Double>> alpha, Optional<Explicit<Integer>> iterations, Optional<Explicit<Boolean>> firstOrder) {

    /** A value the user wrote, with the annotation value to point errors at. */
    public record Explicit<T>(T value, AnnotationValue source) {}

    public double resolvedAlpha() {
        return alpha.map(Explicit::value).orElse(method.defaultAlpha());
    }

    public int resolvedIterations() {
        return iterations.map(Explicit::value).orElse(method.defaultIterations());
    }

    public boolean resolvedFirstOrder() {
        return firstOrder.map(Explicit::value).orElse(false);
    }
}
