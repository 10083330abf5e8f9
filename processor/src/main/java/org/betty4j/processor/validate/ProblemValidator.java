package org.betty4j.processor.validate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.annotations.Rules;
import org.betty4j.processor.report.ErrorReport;
import org.betty4j.processor.report.Messages;
import org.betty4j.processor.model.Names;
import org.betty4j.processor.model.AnnotationValues;
import org.betty4j.processor.model.ConstructorModel;
import org.betty4j.processor.model.Dependency;
import org.betty4j.processor.model.HypergradModel;
import org.betty4j.processor.model.ProblemModel;
import org.betty4j.processor.model.ProblemParser;
import org.betty4j.processor.model.ProgramModel;
import org.betty4j.processor.model.ResolvedDependency;
import org.betty4j.processor.model.Site;
import org.betty4j.processor.model.TrainingStepModel;

/**
 * Validate stage, element by element: the rules that need one problem class (and the types
 * its dependencies name), not the graph. Every broken rule is one error at the annotation or
 * member that breaks it; checking carries on so independent mistakes are all reported.
 */
public final class ProblemValidator {

    private final Elements elements;
    private final Types types;
    private final ErrorReport report;
    private final Optional<TypeElement> trainable;

    public ProblemValidator(Elements elements, Types types, ErrorReport report) {
        this.elements = elements;
        this.types = types;
        this.report = report;
        this.trainable = Optional.ofNullable(elements.getTypeElement(Names.TRAINABLE));
    }

    /** What the graph stage may build on. */
    public record Result(List<ResolvedDependency> dependencies, boolean structurallySound) {}

    public Result validate(ProgramModel program) {
        int before = report.count();
        for (ProblemModel p : program.problems()) {
            checkLevel(p);
        }
        checkDuplicateNames(program);
        int structuralErrors = report.count() - before;

        List<ResolvedDependency> resolved = new ArrayList<>();
        for (ProblemModel p : program.problems()) {
            for (Dependency d : p.dependencies()) {
                Optional<ResolvedDependency> r = resolve(program, p, d);
                r.ifPresent(resolved::add);
                if (r.isEmpty()) {
                    structuralErrors++; // an edge is missing from the graph: graph checks would mislead
                }
            }
            checkInheritedDependencies(p);
            boolean severalConstructors = false;
            if (checkClass(p)) {
                severalConstructors = checkConstructor(p);
            }
            checkStrayDependencies(p, severalConstructors);
            if (p.type().getKind() == ElementKind.CLASS) {
                checkTrainingSteps(p);
            }
            p.hypergrad().ifPresent(h -> checkHypergradValues(p, h));
        }
        return new Result(resolved, structuralErrors == 0);
    }

    private void checkLevel(ProblemModel p) {
        if (Rules.LEVEL.check(p.level()).isPresent()) {
            report.error(p.type(), p.levelAnnotation(), p.levelValue(), Messages.levelNotPositive(p.simpleName(), p.level()));
        }
        checkInt(p, Rules.UNROLL_STEPS, new ProblemModel.Setting<>(p.unrollSteps(), p.unrollValue()));
        ProblemModel.StepSettings settings = p.stepSettings();
        checkInt(p, Rules.WARMUP_STEPS, settings.warmupSteps());
        checkInt(p, Rules.GRADIENT_ACCUMULATION, settings.gradientAccumulation());
        double clip = settings.clipGradNorm().value();
        if (Rules.CLIP_GRAD_NORM.check(clip).isPresent()) {
            report.error(p.type(), p.levelAnnotation(), settings.clipGradNorm().written().orElse(null),
                    Messages.settingOutOfRange(p.simpleName(), Rules.CLIP_GRAD_NORM, clip));
        }
        Rules.checkName(p.name()).ifPresent(problem -> report.error(p.type(), p.levelAnnotation(),
                p.nameValue().orElse(null), p.nameValue().isPresent()
                        ? Messages.invalidName(p.simpleName(), p.name(), problem)
                        : Messages.invalidDefaultName(p.simpleName(), problem)));
    }

    private void checkInt(ProblemModel p, Rules.IntRule rule, ProblemModel.Setting<Integer> setting) {
        if (rule.check(setting.value()).isPresent()) {
            report.error(p.type(), p.levelAnnotation(), setting.written().orElse(null),
                    Messages.settingOutOfRange(p.simpleName(), rule, setting.value()));
        }
    }

    private void checkDuplicateNames(ProgramModel program) {
        Map<String, List<ProblemModel>> byName = new LinkedHashMap<>();
        program.problems().forEach(p -> byName.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p));
        byName.forEach((name, problems) -> {
            if (problems.size() > 1) {
                // one error per duplicated name, at the second class (by qualified name)
                ProblemModel second = problems.get(1);
                report.error(second.type(), second.levelAnnotation(), second.nameValue().orElse(null),
                        Messages.duplicateName(name, problems.stream().map(ProblemModel::qualifiedName).toList()));
            }
        });
    }

    /** Checks the class itself; returns whether its constructors are worth checking (it can be instantiated). */
    private boolean checkClass(ProblemModel p) {
        TypeElement type = p.type();
        String name = p.simpleName();
        if (type.getKind() != ElementKind.CLASS) {
            report.error(type, p.levelAnnotation(), Messages.notAClass(name, kindDescription(type.getKind())));
            return false;
        }
        boolean constructible = true;
        if (type.getModifiers().contains(Modifier.ABSTRACT)) {
            report.error(type, p.levelAnnotation(), Messages.abstractClass(name));
            constructible = false;
        }
        if (!type.getTypeParameters().isEmpty()) {
            report.error(type, p.levelAnnotation(), Messages.genericClass(name));
        }
        for (Element e = type; e instanceof TypeElement t; e = e.getEnclosingElement()) {
            if (t.getModifiers().contains(Modifier.PRIVATE)) {
                // its default constructor is private too: one error, not two
                report.error(type, p.levelAnnotation(), Messages.privateClass(name, t.getSimpleName().toString()));
                constructible = false;
                break;
            }
        }
        if (type.getNestingKind() == NestingKind.MEMBER && !type.getModifiers().contains(Modifier.STATIC)
                && type.getEnclosingElement().getKind().isClass()) {
            report.error(type, p.levelAnnotation(), Messages.innerClass(name));
            constructible = false;
        }
        if (trainable.isPresent() && !types.isAssignable(types.erasure(type.asType()), trainable.get().asType())) {
            report.error(type, p.levelAnnotation(), Messages.notTrainable(name));
        }
        return constructible;
    }

    private static String kindDescription(ElementKind kind) {
        return switch (kind) {
            case INTERFACE -> "an interface";
            case ENUM -> "an enum";
            case ANNOTATION_TYPE -> "an annotation type";
            default -> kind.name().equals("RECORD") ? "a record" : "a " + kind.name().toLowerCase();
        };
    }

    /** Returns whether the problem has several constructors the wiring could call (reported here, once). */
    private boolean checkConstructor(ProblemModel p) {
        if (p.constructor().isEmpty()) {
            List<ExecutableElement> injecting = ElementFilter.constructorsIn(p.type().getEnclosedElements()).stream()
                    .filter(c -> !c.getModifiers().contains(Modifier.PRIVATE))
                    .filter(c -> c.getParameters().stream().allMatch(v -> !ProblemParser.dependenciesOf(
                            (VariableElement) v, Site.CONSTRUCTOR_PARAMETER, p.qualifiedName()).isEmpty()))
                    .toList();
            if (injecting.size() > 1) {
                report.error(p.type(), p.levelAnnotation(), Messages.severalInjectingConstructors(p.simpleName(),
                        injecting.stream().map(c -> signature(p, c)).toList()));
                return true;
            }
            report.error(p.type(), p.levelAnnotation(), Messages.noUsableConstructor(p.simpleName()));
            return false;
        }
        ConstructorModel c = p.constructor().get();
        for (VariableElement parameter : c.parameters()) {
            if (c.dependencyOf(parameter).isEmpty()) {
                report.error(parameter, Messages.constructorParameterNotInjected(p.simpleName(),
                        parameter.getSimpleName().toString()));
            }
        }
        List<String> checked = checkedExceptions(c.constructor());
        if (!checked.isEmpty()) {
            report.error(c.constructor(), Messages.constructorThrows(p.simpleName(), checked));
        }
        return false;
    }

    /**
     * {@code @Upper}/{@code @Lower} on parameters the wiring never passes: one error per
     * constructor or method (at its first such parameter), none for the constructors of a
     * problem already reported as having several the wiring could call.
     */
    private void checkStrayDependencies(ProblemModel p, boolean severalConstructors) {
        Map<Element, Dependency> firstPerExecutable = new LinkedHashMap<>();
        for (Dependency d : p.strayDependencies()) {
            firstPerExecutable.putIfAbsent(d.element().getEnclosingElement(), d);
        }
        firstPerExecutable.forEach((executable, d) -> {
            String annotation = d.direction().annotation();
            if (executable.getKind() == ElementKind.CONSTRUCTOR) {
                if (severalConstructors) {
                    return;
                }
                report.error(d.element(), d.annotation(), Messages.strayConstructor(annotation, p.simpleName(),
                        d.memberName(), signature(p, (ExecutableElement) executable),
                        p.constructor().map(c -> signature(p, c.constructor())).orElse(null)));
            } else {
                report.error(d.element(), d.annotation(), Messages.strayDependency(annotation,
                        p.simpleName(), d.memberName(), executable.toString()));
            }
        });
    }

    /** Inherited {@code @Upper}/{@code @Lower} fields are rejected: the wiring assigns declared fields only. */
    private void checkInheritedDependencies(ProblemModel p) {
        for (TypeElement superclass : ProblemParser.superclasses(p.type())) {
            for (VariableElement field : ElementFilter.fieldsIn(superclass.getEnclosedElements())) {
                for (Dependency d : ProblemParser.dependenciesOf(field, Site.FIELD, superclass.getQualifiedName().toString())) {
                    report.error(p.type(), p.levelAnnotation(), Messages.inheritedDependency(d.direction().annotation(),
                            p.simpleName(), field.getSimpleName().toString(), superclass.getQualifiedName().toString()));
                }
            }
        }
    }

    /** {@code A(B, C)}: the constructor with simple parameter type names. */
    private static String signature(ProblemModel p, ExecutableElement constructor) {
        return p.simpleName() + "(" + constructor.getParameters().stream()
                .map(v -> v.asType().getKind() == TypeKind.DECLARED
                        ? ((DeclaredType) v.asType()).asElement().getSimpleName().toString() : v.asType().toString())
                .collect(java.util.stream.Collectors.joining(", ")) + ")";
    }

    private void checkTrainingSteps(ProblemModel p) {
        String type = p.simpleName();
        if (p.trainingSteps().isEmpty()) {
            report.error(p.type(), p.levelAnnotation(), Messages.noTrainingStep(type));
            return;
        }
        if (p.trainingSteps().size() > 1) {
            TrainingStepModel second = p.trainingSteps().get(1);
            report.error(second.method(), second.annotation(), Messages.severalTrainingSteps(type,
                    p.trainingSteps().stream().map(s -> s.methodName() + "()").toList()));
            return;
        }
        TrainingStepModel step = p.trainingStep();
        ExecutableElement method = step.method();
        String name = step.methodName();
        if (method.getModifiers().contains(Modifier.PRIVATE)) {
            report.error(method, step.annotation(), Messages.trainingStepPrivate(type, name));
        }
        if (method.getModifiers().contains(Modifier.STATIC)) {
            report.error(method, step.annotation(), Messages.trainingStepStatic(type, name));
        }
        if (!method.getTypeParameters().isEmpty()) {
            report.error(method, step.annotation(), Messages.trainingStepGeneric(type, name));
        }
        List<String> checked = checkedExceptions(method);
        if (!checked.isEmpty()) {
            report.error(method, step.annotation(), Messages.trainingStepThrows(type, name, checked));
        }
        List<VariableElement> parameters = step.parameters();
        if (parameters.isEmpty()) {
            report.error(method, step.annotation(), Messages.trainingStepFirstParameter(type, name, null));
        } else if (!isClass(parameters.get(0).asType(), Names.BATCH) && !isError(parameters.get(0).asType())) {
            report.error(parameters.get(0), Messages.trainingStepFirstParameter(type, name,
                    parameters.get(0).asType().toString()));
        }
        for (VariableElement parameter : parameters.subList(Math.min(1, parameters.size()), parameters.size())) {
            if (step.dependencyOf(parameter).isEmpty()) {
                report.error(parameter, Messages.trainingStepParameterNotInjected(type, name,
                        parameter.getSimpleName().toString()));
            }
        }
        TypeMirror returned = method.getReturnType();
        if (!isClass(returned, Names.NDARRAY) && !isClass(returned, Names.COST) && !isError(returned)) {
            report.error(method, step.annotation(), Messages.trainingStepReturn(type, name, returned.toString()));
        }
    }

    /** A type javac could not resolve: it reports that itself. */
    private static boolean isError(TypeMirror type) {
        return type.getKind() == TypeKind.ERROR;
    }

    private static boolean isClass(TypeMirror type, String qualifiedName) {
        return type.getKind() == TypeKind.DECLARED
                && ((TypeElement) ((DeclaredType) type).asElement()).getQualifiedName().contentEquals(qualifiedName);
    }

    private List<String> checkedExceptions(ExecutableElement executable) {
        TypeElement runtime = elements.getTypeElement(RuntimeException.class.getCanonicalName());
        TypeElement error = elements.getTypeElement(Error.class.getCanonicalName());
        List<String> out = new ArrayList<>();
        for (TypeMirror thrown : executable.getThrownTypes()) {
            boolean unchecked = isError(thrown) || types.isAssignable(thrown, runtime.asType())
                    || types.isAssignable(thrown, error.asType());
            if (!unchecked) {
                out.add(thrown.toString());
            }
        }
        return out;
    }

    private void checkHypergradValues(ProblemModel p, HypergradModel h) {
        HypergradMethod method = h.method();
        String type = p.simpleName();
        h.alpha().ifPresent(alpha -> {
            if (!method.usesAlpha()) {
                report.error(p.type(), h.annotation(), alpha.source(), Messages.hypergradUnused(type, method.name(), "alpha"));
            } else if (Rules.ALPHA.check(alpha.value()).isPresent()) {
                report.error(p.type(), h.annotation(), alpha.source(), Messages.hypergradAlpha(type, method.name(), alpha.value()));
            }
        });
        h.iterations().ifPresent(iterations -> {
            if (!method.usesIterations()) {
                report.error(p.type(), h.annotation(), iterations.source(),
                        Messages.hypergradUnused(type, method.name(), "iterations"));
            } else if (Rules.ITERATIONS.check(iterations.value()).isPresent()) {
                report.error(p.type(), h.annotation(), iterations.source(),
                        Messages.hypergradIterations(type, method.name(), iterations.value()));
            }
        });
        h.firstOrder().ifPresent(firstOrder -> {
            if (firstOrder.value() && !Rules.firstOrderAllowed(method)) {
                report.error(p.type(), h.annotation(), firstOrder.source(), Messages.hypergradFirstOrder(type, method.name()));
            }
        });
    }

    /** Checks one dependency where it is written; returns it resolved when it names a problem of this program. */
    private Optional<ResolvedDependency> resolve(ProgramModel program, ProblemModel owner, Dependency d) {
        String annotation = d.direction().annotation();
        String type = owner.simpleName();
        String member = d.memberName();
        VariableElement element = d.element();
        if (d.conflicting()) {
            report.error(element, d.annotation(), Messages.bothUpperAndLower(type, member));
            return Optional.empty();
        }
        if (d.site() == Site.FIELD) {
            if (element.getModifiers().contains(Modifier.PRIVATE)) {
                report.error(element, d.annotation(), Messages.fieldPrivate(annotation, type, member));
            }
            if (element.getModifiers().contains(Modifier.FINAL)) {
                report.error(element, d.annotation(), Messages.fieldFinal(annotation, type, member));
            }
            if (element.getModifiers().contains(Modifier.STATIC)) {
                report.error(element, d.annotation(), Messages.fieldStatic(annotation, type, member));
            }
        }
        TypeMirror declared = d.type();
        if (declared.getKind() == TypeKind.ERROR) {
            return Optional.empty(); // javac reports the unknown type; the edge is simply missing
        }
        if (declared.getKind().isPrimitive()) {
            report.error(element, d.annotation(), Messages.dependencyPrimitive(annotation, type, member, declared.toString()));
            return Optional.empty();
        }
        if (declared.getKind() == TypeKind.ARRAY || isCollection(declared)) {
            report.error(element, d.annotation(), Messages.dependencyCollection(annotation, type, member, declared.toString()));
            return Optional.empty();
        }
        if (declared.getKind() != TypeKind.DECLARED) {
            report.error(element, d.annotation(), Messages.dependencyPrimitive(annotation, type, member, declared.toString()));
            return Optional.empty();
        }
        TypeElement target = (TypeElement) ((DeclaredType) declared).asElement();
        if (AnnotationValues.find(target, Names.LEVEL).isEmpty()) {
            report.error(element, d.annotation(), Messages.dependencyNotProblem(annotation, type, member,
                    target.getSimpleName().toString()));
            return Optional.empty();
        }
        String targetPackage = ProblemParser.packageOf(target);
        if (!targetPackage.equals(program.packageName())) {
            report.error(element, d.annotation(), Messages.dependencyOtherPackage(annotation, type, member,
                    target.getQualifiedName().toString(), targetPackage));
            return Optional.empty();
        }
        Optional<ProblemModel> resolved = program.byClass(target.getQualifiedName().toString());
        if (resolved.isEmpty()) {
            report.error(element, d.annotation(), Messages.dependencyNotCompiledTogether(annotation, type, member,
                    target.getQualifiedName().toString()));
            return Optional.empty();
        }
        return resolved.map(t -> new ResolvedDependency(d, owner, t));
    }

    private boolean isCollection(TypeMirror type) {
        TypeMirror erased = types.erasure(type);
        for (Class<?> c : List.of(Iterable.class, Map.class)) {
            TypeElement e = elements.getTypeElement(c.getCanonicalName());
            if (e != null && types.isAssignable(erased, types.erasure(e.asType()))) {
                return true;
            }
        }
        return false;
    }
}
