package org.betty4j.processor.model;

import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;

/**
 * A {@code @TrainingStep} method.
 *
 * @param method the method
 * @param annotation its {@code @TrainingStep} annotation
 * @param dependencies the {@code @Upper}/{@code @Lower} annotations on its parameters
 */
public record TrainingStepModel(ExecutableElement method, AnnotationMirror annotation, List<Dependency> dependencies) {

    public TrainingStepModel {
        dependencies = List.copyOf(dependencies);
    }

    public String methodName() {
        return method.getSimpleName().toString();
    }

    @SuppressWarnings("unchecked")
    public List<VariableElement> parameters() {
        return (List<VariableElement>) method.getParameters();
    }

    /** The dependency annotating {@code parameter}, if any. */
    public Optional<Dependency> dependencyOf(VariableElement parameter) {
        return dependencies.stream().filter(d -> d.element().equals(parameter)).findFirst();
    }
}
