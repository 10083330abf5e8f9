package org.betty4j.processor.model;

import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;

/**
 * One {@code @Upper} or {@code @Lower} annotation on a field or parameter of a problem class.
 *
 * @param direction which annotation (the edge kind)
 * @param site field, constructor parameter or training-step parameter
 * @param owner qualified name of the problem class that declares the variable
 * @param element the annotated field or parameter
 * @param annotation the annotation, so errors point at it
 * @param conflicting whether the variable carries both {@code @Upper} and {@code @Lower}
 */
public record Dependency(Direction direction, Site site, String owner, VariableElement element,
        AnnotationMirror annotation, boolean conflicting) {

    /** The field or parameter name. */
    public String memberName() {
        return element.getSimpleName().toString();
    }

    /** The declared type of the variable. */
    public TypeMirror type() {
        return element.asType();
    }

    /** The qualified name of the variable's class type, if it has one (not primitive or array). */
    public Optional<String> targetQualifiedName() {
        TypeMirror t = element.asType();
        if (t.getKind() != TypeKind.DECLARED) {
            return Optional.empty();
        }
        return Optional.of(((javax.lang.model.element.TypeElement) ((DeclaredType) t).asElement())
                .getQualifiedName().toString());
    }
}
