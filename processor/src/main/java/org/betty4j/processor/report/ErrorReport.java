package org.betty4j.processor.report;

import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
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

    /**
     * One collected error, at an element (and annotation, value) or, for code javac gives
     * processors no element for (a local class), at a source tree.
     */
    public record Error(Element element, AnnotationMirror annotation, AnnotationValue value, TreePath tree,
            String message) {
        public Error {
            if (element == null && tree == null) {
                throw new NullPointerException("an error needs an element or a tree");
            }
            Objects.requireNonNull(message, "message");
        }
    }

    private Trees trees;

    private final List<Error> errors = new ArrayList<>();

    public void error(Element element, String message) {
        add(new Error(element, null, null, null, message));
    }

    /** An error at a source tree, printed through {@code trees}. */
    public void error(Trees trees, TreePath tree, String message) {
        this.trees = trees;
        add(new Error(null, null, null, tree, message));
    }

    public void error(Element element, AnnotationMirror annotation, String message) {
        add(new Error(element, annotation, null, null, message));
    }

    public void error(Element element, AnnotationMirror annotation, AnnotationValue value, String message) {
        add(new Error(element, annotation, value, null, message));
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
            if (e.tree() != null) {
                trees.printMessage(Diagnostic.Kind.ERROR, e.message(), e.tree().getLeaf(), e.tree().getCompilationUnit());
            } else if (e.annotation() == null) {
                messager.printMessage(Diagnostic.Kind.ERROR, e.message(), e.element());
            } else if (e.value() == null) {
                messager.printMessage(Diagnostic.Kind.ERROR, e.message(), e.element(), e.annotation());
            } else {
                messager.printMessage(Diagnostic.Kind.ERROR, e.message(), e.element(), e.annotation(), e.value());
            }
        }
    }
}
