package org.betty4j.processor.model;

import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;

/** Reading annotations through mirrors (values stay attached to source positions). */
public final class AnnotationValues {

    private AnnotationValues() {}

    /** The annotation of type {@code qualifiedName} on {@code element}, if present. */
    public static Optional<AnnotationMirror> find(Element element, String qualifiedName) {
        for (AnnotationMirror m : element.getAnnotationMirrors()) {
            TypeElement type = (TypeElement) m.getAnnotationType().asElement();
            if (type.getQualifiedName().contentEquals(qualifiedName)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** The value of {@code member} only if the user wrote it. */
    public static Optional<AnnotationValue> explicit(AnnotationMirror mirror, String member) {
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : mirror.getElementValues().entrySet()) {
            if (e.getKey().getSimpleName().contentEquals(member)) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    /** The value of {@code member}, written or default. */
    public static AnnotationValue withDefault(Elements elements, AnnotationMirror mirror, String member) {
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e
                : elements.getElementValuesWithDefaults(mirror).entrySet()) {
            if (e.getKey().getSimpleName().contentEquals(member)) {
                return e.getValue();
            }
        }
        throw new IllegalStateException("annotation " + mirror + " has no member " + member);
    }
}
