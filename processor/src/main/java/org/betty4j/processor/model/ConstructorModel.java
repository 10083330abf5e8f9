package org.betty4j.processor.model;

import java.util.List;
import java.util.Optional;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;

/**
 * The constructor the generated wiring calls: a non-private no-arg constructor if there is
 * one, otherwise the only non-private constructor (whose parameters must all be
 * {@code @Upper}/{@code @Lower} problems).
 *
 * @param constructor the constructor
 * @param dependencies the {@code @Upper}/{@code @Lower} annotations on its parameters
 */
public record ConstructorModel(ExecutableElement constructor, List<Dependency> dependencies) {

    public ConstructorModel {
        dependencies = List.copyOf(dependencies);
    }

    @SuppressWarnings("unchecked")
    public List<VariableElement> parameters() {
        return (List<VariableElement>) constructor.getParameters();
    }

    public Optional<Dependency> dependencyOf(VariableElement parameter) {
        return dependencies.stream().filter(d -> d.element().equals(parameter)).findFirst();
    }
}
