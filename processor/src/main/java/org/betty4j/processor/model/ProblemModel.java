package org.betty4j.processor.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.TypeElement;

/**
 * One {@code @Level} class as written, before validation.
 *
 * @param type the class
 * @param levelAnnotation its {@code @Level}, where problem-wide errors point
 * @param packageName the program it belongs to
 * @param name {@code @Level.name()}, or the simple class name when that is empty
 * @param level {@code @Level.value()}
 * @param levelValue the annotation value of the level (to point at it)
 * @param unrollSteps {@code @Level.unrollSteps()}
 * @param unrollValue the annotation value of unrollSteps if written explicitly
 * @param nameValue the annotation value of name if written explicitly
 * @param stepSettings warm-up, gradient accumulation and clipping from {@code @Level}
 * @param fields {@code @Upper}/{@code @Lower} fields
 * @param constructor the constructor the wiring would call, if one qualifies
 * @param trainingSteps every {@code @TrainingStep} method (valid programs have exactly one)
 * @param hypergrad the {@code @Hypergrad} annotation, if present
 * @param strayDependencies {@code @Upper}/{@code @Lower} on parameters the wiring never passes
 *     (another constructor, a method that is not the training step)
 */
public record ProblemModel(TypeElement type, AnnotationMirror levelAnnotation, String packageName, String name,
        int level, AnnotationValue levelValue, int unrollSteps, Optional<AnnotationValue> unrollValue,
        Optional<AnnotationValue> nameValue, StepSettings stepSettings, List<Dependency> fields, Optional<ConstructorModel> constructor,
        List<TrainingStepModel> trainingSteps, Optional<HypergradModel> hypergrad,
        List<Dependency> strayDependencies) {

    public ProblemModel {
        fields = List.copyOf(fields);
        trainingSteps = List.copyOf(trainingSteps);
        strayDependencies = List.copyOf(strayDependencies);
    }

    /** A {@code @Level} setting, with its annotation value if the user wrote it (where errors point). */
    public record Setting<T>(T value, Optional<AnnotationValue> written) {}

    /** {@code @Level.warmupSteps()}, {@code gradientAccumulation()} and {@code clipGradNorm()}. */
    public record StepSettings(Setting<Integer> warmupSteps, Setting<Integer> gradientAccumulation,
            Setting<Double> clipGradNorm) {}

    public String qualifiedName() {
        return type.getQualifiedName().toString();
    }

    public String simpleName() {
        return type.getSimpleName().toString();
    }

    /** Every {@code @Upper}/{@code @Lower} of this problem: fields, constructor, training step. */
    public List<Dependency> dependencies() {
        List<Dependency> all = new ArrayList<>(fields);
        constructor.ifPresent(c -> all.addAll(c.dependencies()));
        trainingSteps.forEach(s -> all.addAll(s.dependencies()));
        return all;
    }

    /** The training step of a validated problem. */
    public TrainingStepModel trainingStep() {
        return trainingSteps.get(0);
    }

    @Override
    public String toString() {
        return name + " (level " + level + ")";
    }
}
