package org.betty4j.processor;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic;

/**
 * Collects every compile error of a processing round, each with the element and, where there
 * is one, the annotation (and annotation value) so that javac's caret lands on what the user
 * wrote; {@link #flush} prints them. Stages add errors and carry on, so one compile shows every
 * independent problem. An identical error (same element, annotation, value and text) is kept
 * once.
 */
public final class ErrorReport {

    /** One collected error. */
    public record Error(Element element, AnnotationMirror annotation, AnnotationValue value, String message) {
        public Error {
            Objects.requireNonNull(element, "element");
            Objects.requireNonNull(message, "message");
        }
    }

    private final List<Error> errors = new ArrayList<>();

    public void error(Element element, String message) {
        add(new Error(element, null, null, message));
    }

    public void error(Element element, AnnotationMirror annotation, String message) {
        add(new Error(element, annotation, null, message));
    }

    public void error(Element element, AnnotationMirror annotation, AnnotationValue value, String message) {
        add(new Error(element, annotation, value, message));
    }

    private void add(Error error) {
        if (!errors.contains(error)) {
            errors.add(error);
        }
    }

    /** Errors collected so far (including flushed ones). */
    public int count() {
        return errors.size();
    }

    public List<Error> errors() {
        return List.copyOf(errors);
    }

    /** Prints the errors collected since the last flush. */
    public void flush(Messager messager, int fromIndex) {
        for (Error e : errors.subList(fromIndex, errors.size())) {
            if (e.annotation() == null) {
                messager.printMessage(Diagnostic.Kind.ERROR, e.message(), e.element());
            } else if (e.value() == null) {
                messager.printMessage(Diagnostic.Kind.ERROR, e.message(), e.element(), e.annotation());
            } else {
                messager.printMessage(Diagnostic.Kind.ERROR, e.message(), e.element(), e.annotation(), e.value());
            }
        }
    }
}
