package org.betty4j.processor.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import org.betty4j.annotations.HypergradMethod;

/**
 * Parse stage: reads one {@code @Level} class into a {@link ProblemModel}, as written. It
 * judges nothing (that is the validators' job); it only records what is there and where.
 */
public final class ProblemParser {

    private final Elements elements;

    public ProblemParser(Elements elements) {
        this.elements = elements;
    }

    /**
     * A {@code @Level} or {@code @Hypergrad} value javac could not evaluate (a compile error it
     * reports itself); the processor then leaves the package alone rather than add noise.
     */
    public static final class UnreadableAnnotation extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnreadableAnnotation(String what) {
            super(what);
        }
    }

    private static <T> T value(AnnotationValue value, Class<T> type, String what) {
        Object v = value.getValue();
        if (!type.isInstance(v)) {
            throw new UnreadableAnnotation(what + " = " + value);
        }
        return type.cast(v);
    }

    public ProblemModel parse(TypeElement type, AnnotationMirror level) {
        String qualified = type.getQualifiedName().toString();
        Optional<AnnotationValue> nameValue = AnnotationValues.explicit(level, "name");
        String declaredName = value(AnnotationValues.withDefault(elements, level, "name"), String.class, "name");
        String name = declaredName.isEmpty() ? type.getSimpleName().toString() : declaredName;
        AnnotationValue levelValue = AnnotationValues.withDefault(elements, level, "value");
        Optional<AnnotationValue> unrollValue = AnnotationValues.explicit(level, "unrollSteps");
        int unrollSteps = value(AnnotationValues.withDefault(elements, level, "unrollSteps"), Integer.class, "unrollSteps");

        List<Dependency> fields = new ArrayList<>();
        for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
            fields.addAll(dependenciesOf(field, Site.FIELD, qualified));
        }

        List<Dependency> stray = new ArrayList<>();
        Optional<ExecutableElement> chosen = chooseConstructor(type);
        Optional<ConstructorModel> constructor = chosen.map(c ->
                new ConstructorModel(c, parameterDependencies(c, Site.CONSTRUCTOR_PARAMETER, qualified)));
        for (ExecutableElement c : ElementFilter.constructorsIn(type.getEnclosedElements())) {
            if (chosen.isEmpty() || !chosen.get().equals(c)) {
                stray.addAll(parameterDependencies(c, Site.CONSTRUCTOR_PARAMETER, qualified));
            }
        }

        List<TrainingStepModel> steps = new ArrayList<>();
        for (ExecutableElement method : ElementFilter.methodsIn(type.getEnclosedElements())) {
            Optional<AnnotationMirror> step = AnnotationValues.find(method, Names.TRAINING_STEP);
            if (step.isPresent()) {
                steps.add(new TrainingStepModel(method, step.get(),
                        parameterDependencies(method, Site.TRAINING_STEP_PARAMETER, qualified)));
            } else {
                stray.addAll(parameterDependencies(method, Site.TRAINING_STEP_PARAMETER, qualified));
            }
        }

        Optional<HypergradModel> hypergrad = AnnotationValues.find(type, Names.HYPERGRAD).map(this::hypergrad);
        return new ProblemModel(type, level, packageOf(type), name, value(levelValue, Integer.class, "value"), levelValue,
                unrollSteps, unrollValue, nameValue, stepSettings(level), fields, constructor, steps, hypergrad, stray);
    }

    private ProblemModel.StepSettings stepSettings(AnnotationMirror level) {
        return new ProblemModel.StepSettings(
                setting(level, "warmupSteps", v -> value(v, Integer.class, "warmupSteps")),
                setting(level, "gradientAccumulation", v -> value(v, Integer.class, "gradientAccumulation")),
                setting(level, "clipGradNorm", v -> value(v, Number.class, "clipGradNorm").doubleValue()));
    }

    private <T> ProblemModel.Setting<T> setting(AnnotationMirror level, String member,
            java.util.function.Function<AnnotationValue, T> read) {
        return new ProblemModel.Setting<>(read.apply(AnnotationValues.withDefault(elements, level, member)),
                AnnotationValues.explicit(level, member));
    }

    /** The superclasses of {@code type}, nearest first, without {@code java.lang.Object}. */
    public static List<TypeElement> superclasses(TypeElement type) {
        List<TypeElement> out = new ArrayList<>();
        TypeMirror superclass = type.getSuperclass();
        while (superclass.getKind() == TypeKind.DECLARED) {
            TypeElement element = (TypeElement) ((DeclaredType) superclass).asElement();
            if (element.getQualifiedName().contentEquals(Object.class.getCanonicalName())) {
                break;
            }
            out.add(element);
            superclass = element.getSuperclass();
        }
        return out;
    }

    /** The package a class belongs to (nested classes included). */
    public static String packageOf(Element element) {
        Element e = element;
        while (e.getKind() != ElementKind.PACKAGE) {
            e = e.getEnclosingElement();
        }
        return ((PackageElement) e).getQualifiedName().toString();
    }

    /** A non-private no-arg constructor, else the only non-private constructor, else none. */
    private static Optional<ExecutableElement> chooseConstructor(TypeElement type) {
        List<ExecutableElement> usable = ElementFilter.constructorsIn(type.getEnclosedElements()).stream()
                .filter(c -> !c.getModifiers().contains(Modifier.PRIVATE))
                .toList();
        Optional<ExecutableElement> noArg = usable.stream().filter(c -> c.getParameters().isEmpty()).findFirst();
        if (noArg.isPresent()) {
            return noArg;
        }
        return usable.size() == 1 ? Optional.of(usable.get(0)) : Optional.empty();
    }

    private static List<Dependency> parameterDependencies(ExecutableElement executable, Site site, String owner) {
        List<Dependency> out = new ArrayList<>();
        for (VariableElement p : executable.getParameters()) {
            out.addAll(dependenciesOf(p, site, owner));
        }
        return out;
    }

    /** The {@code @Upper}/{@code @Lower} on a variable; with both present, one dependency marked conflicting. */
    public static List<Dependency> dependenciesOf(VariableElement variable, Site site, String owner) {
        Optional<AnnotationMirror> upper = AnnotationValues.find(variable, Names.UPPER);
        Optional<AnnotationMirror> lower = AnnotationValues.find(variable, Names.LOWER);
        if (upper.isPresent()) {
            return List.of(new Dependency(Direction.UPPER, site, owner, variable, upper.get(), lower.isPresent()));
        }
        return lower.map(m -> List.of(new Dependency(Direction.LOWER, site, owner, variable, m, false)))
                .orElse(List.of());
    }

    private HypergradModel hypergrad(AnnotationMirror mirror) {
        AnnotationValue methodValue = AnnotationValues.withDefault(elements, mirror, "value");
        HypergradMethod method = HypergradMethod.valueOf(
                value(methodValue, VariableElement.class, "@Hypergrad value").getSimpleName().toString());
        return new HypergradModel(mirror, method, methodValue,
                AnnotationValues.explicit(mirror, "alpha")
                        .map(v -> new HypergradModel.Explicit<>(value(v, Number.class, "alpha").doubleValue(), v)),
                AnnotationValues.explicit(mirror, "iterations")
                        .map(v -> new HypergradModel.Explicit<>(value(v, Number.class, "iterations").intValue(), v)),
                AnnotationValues.explicit(mirror, "firstOrder")
                        .map(v -> new HypergradModel.Explicit<>(value(v, Boolean.class, "firstOrder"), v)));
    }
}
