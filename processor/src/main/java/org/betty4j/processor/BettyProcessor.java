package org.betty4j.processor;

import com.google.auto.service.AutoService;
import com.palantir.javapoet.JavaFile;
import com.sun.source.util.Trees;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import org.betty4j.processor.generate.EngineGenerator;
import org.betty4j.processor.plan.Planner;
import org.betty4j.processor.plan.ProgramPlan;
import org.betty4j.processor.model.AnnotationValues;
import org.betty4j.processor.model.Names;
import org.betty4j.processor.report.ErrorReport;
import org.betty4j.processor.report.Messages;
import org.betty4j.processor.model.LocalClassScanner;
import org.betty4j.processor.model.ProblemModel;
import org.betty4j.processor.model.ProblemParser;
import org.betty4j.processor.model.ProgramModel;
import org.betty4j.processor.validate.GraphValidator;
import org.betty4j.processor.validate.ProblemValidator;

/**
 * The Betty for Java annotation processor. For every Java package with {@code @Level} classes
 * (one package = one multilevel program) it runs
 * <ol>
 *   <li><b>parse</b> ({@link ProblemParser}): each class into a {@link ProblemModel};</li>
 *   <li><b>validate</b> ({@link ProblemValidator}): rules of single classes and members;</li>
 *   <li><b>build and validate the graph</b> ({@link GraphValidator}): cycles, level
 *       directions, connectivity, backpropagation paths, {@code @Hypergrad} placement;</li>
 *   <li><b>generate</b> ({@link EngineGenerator}) {@code <TopProblem>Engine}, only when the
 *       package has no error.</li>
 * </ol>
 * Errors are collected in an {@link ErrorReport} and printed at the end of the round, one per
 * problem, each at the annotation concerned; texts are in {@link Messages}. Nothing escapes
 * into javac: an unexpected exception becomes an error naming the package.
 *
 * <p>Incremental processing: for Gradle this is an <em>aggregating</em> processor (declared in
 * {@code META-INF/gradle/incremental.annotation.processors}): one generated file per package
 * is derived from all {@code @Level} classes of that package, which are all annotated with
 * class-retention annotations and are all given as originating elements. It is not isolating,
 * because one output depends on several inputs.
 */
@AutoService(Processor.class)
public final class BettyProcessor extends AbstractProcessor {

    private final ErrorReport report = new ErrorReport();
    private final Set<String> processedPackages = new HashSet<>();
    private final Consumer<ProgramModel> beforeValidation;
    private boolean runtimeMissingReported;

    /** The processor javac instantiates through {@code META-INF/services}. */
    public BettyProcessor() {
        this(program -> {});
    }

    /** For tests: {@code beforeValidation} sees each parsed program (and may fail, to test the catch-all). */
    BettyProcessor(Consumer<ProgramModel> beforeValidation) {
        this.beforeValidation = beforeValidation;
    }

    /**
     * The five Betty annotations, which this processor claims ({@link #process} returns true):
     * they mean nothing to any other processor, and unclaimed they make {@code -Xlint:processing}
     * warn. Betty annotations in local classes are found by reading the source trees of every
     * round the processor takes part in.
     */
    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return Set.of(Names.LEVEL, Names.TRAINING_STEP, Names.UPPER, Names.LOWER, Names.HYPERGRAD);
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        int flushedBefore = report.count();
        try {
            processRound(round);
        } catch (RuntimeException | Error e) {
            Element anyElement = round.getRootElements().stream().findFirst().orElse(null);
            if (anyElement != null) {
                report.error(anyElement, Messages.internalError("this round", e));
            } else {
                processingEnv.getMessager().printMessage(javax.tools.Diagnostic.Kind.ERROR,
                        Messages.internalError("this round", e));
            }
        } finally {
            report.flush(processingEnv.getMessager(), flushedBefore);
        }
        return true;
    }

    private void processRound(RoundEnvironment round) {
        reportAnnotationsOutsideProblems(round);
        reportLocalClasses(round);
        Map<String, List<ProblemModel>> byPackage = new TreeMap<>();
        Set<String> unreadable = new HashSet<>();
        ProblemParser parser = new ProblemParser(processingEnv.getElementUtils());
        for (Element e : round.getElementsAnnotatedWith(typeElement(Names.LEVEL))) {
            if (!(e instanceof TypeElement type)) {
                continue; // @Level targets types only; javac rejects anything else itself
            }
            AnnotationMirror level = AnnotationValues.find(type, Names.LEVEL).orElseThrow();
            try {
                ProblemModel problem = parser.parse(type, level);
                byPackage.computeIfAbsent(problem.packageName(), k -> new ArrayList<>()).add(problem);
            } catch (ProblemParser.UnreadableAnnotation ex) {
                // javac reports the broken annotation value itself; checking the rest would only add noise
                unreadable.add(ProblemParser.packageOf(type));
            } catch (RuntimeException ex) {
                report.error(type, level, Messages.internalError(type.getQualifiedName().toString(), ex));
            }
        }
        unreadable.forEach(byPackage::remove);
        byPackage.forEach((packageName, problems) -> {
            try {
                processProgram(new ProgramModel(packageName, problems));
            } catch (RuntimeException | StackOverflowError ex) {
                ProblemModel first = new ProgramModel(packageName, problems).problems().get(0);
                report.error(first.type(), first.levelAnnotation(), Messages.internalError("program " + packageName, ex));
            }
        });
    }

    private void processProgram(ProgramModel program) {
        ProblemModel first = program.problems().get(0);
        if (!processedPackages.add(program.packageName())) {
            report.error(first.type(), first.levelAnnotation(), Messages.roundSplit(program.packageName()));
            return;
        }
        int before = report.count();
        if (processingEnv.getElementUtils().getTypeElement(Names.TRAINABLE) == null) {
            // without the runtime nothing can be checked or generated: one error for the whole compile
            if (!runtimeMissingReported) {
                runtimeMissingReported = true;
                report.error(first.type(), first.levelAnnotation(), Messages.runtimeMissing(first.simpleName()));
            }
            return;
        }
        beforeValidation.accept(program);
        ProblemValidator.Result validated = new ProblemValidator(processingEnv.getElementUtils(),
                processingEnv.getTypeUtils(), report).validate(program);
        if (!validated.structurallySound()) {
            return; // the graph would be built from broken edges; those errors are already reported
        }
        if (!new GraphValidator(report).validate(program, validated.dependencies()) || report.count() > before) {
            return;
        }
        Optional<ProgramPlan> plan = Optional.of(Planner.plan(program, validated.dependencies()));
        String engine = plan.get().engineSimpleName();
        int fileNameBytes = (engine + ".java").getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (fileNameBytes > Messages.MAX_FILE_NAME_BYTES) {
            ProblemModel top = plan.get().top();
            report.error(top.type(), top.levelAnnotation(), Messages.engineNameTooLong(engine, fileNameBytes));
            return;
        }
        JavaFile file = new EngineGenerator(typeElement("javax.annotation.processing.Generated") != null)
                .generate(plan.get());
        try {
            file.writeTo(processingEnv.getFiler());
        } catch (IOException e) {
            ProblemModel top = plan.get().top();
            report.error(top.type(), top.levelAnnotation(), Messages.engineNameTaken(
                    program.packageName() + "." + plan.get().engineSimpleName(), top.simpleName()) + " (" + e.getMessage() + ")");
        }
    }

    /** Betty annotations in local and anonymous classes, which javac never hands to processors. */
    private void reportLocalClasses(RoundEnvironment round) {
        Trees trees;
        try {
            trees = Trees.instance(processingEnv);
        } catch (IllegalArgumentException notJavac) {
            return; // another compiler: its source trees are not javac's, this check is skipped
        }
        for (LocalClassScanner.Finding f : new LocalClassScanner(trees).scan(round.getRootElements())) {
            String name = f.anonymous() ? "an anonymous class" : "local class " + f.className();
            report.error(trees, f.annotationPath(), Messages.localClass(f.annotation(), name,
                    f.anonymous() ? "anonymous class" : "local class", f.anonymous() ? "it" : f.className()));
        }
    }

    /**
     * {@code @TrainingStep}, {@code @Upper}, {@code @Lower}, {@code @Hypergrad} outside a {@code @Level} class mean
     * nothing. An {@code @Upper}/{@code @Lower} field of a superclass of a problem is reported at the problem
     * instead (the validator: inherited fields are not wired).
     */
    private void reportAnnotationsOutsideProblems(RoundEnvironment round) {
        Set<Element> superclassesOfProblems = new HashSet<>();
        TypeElement levelType = typeElement(Names.LEVEL);
        if (levelType != null) {
            for (Element e : round.getElementsAnnotatedWith(levelType)) {
                if (e instanceof TypeElement t) {
                    superclassesOfProblems.addAll(ProblemParser.superclasses(t));
                }
            }
        }
        for (String annotation : List.of(Names.TRAINING_STEP, Names.UPPER, Names.LOWER, Names.HYPERGRAD)) {
            TypeElement annotationType = typeElement(annotation);
            if (annotationType == null) {
                continue;
            }
            for (Element e : round.getElementsAnnotatedWith(annotationType)) {
                TypeElement owner = enclosingType(e);
                boolean inheritedField = e.getKind() == ElementKind.FIELD && superclassesOfProblems.contains(owner)
                        && (annotation.equals(Names.UPPER) || annotation.equals(Names.LOWER));
                if (owner != null && AnnotationValues.find(owner, Names.LEVEL).isEmpty() && !inheritedField) {
                    String simple = "@" + annotationType.getSimpleName();
                    report.error(e, AnnotationValues.find(e, annotation).orElse(null),
                            Messages.missingLevel(simple, owner.getQualifiedName().toString()));
                }
            }
        }
    }

    private static TypeElement enclosingType(Element e) {
        Element current = e;
        while (current != null && !(current.getKind().isClass() || current.getKind().isInterface())) {
            current = current.getEnclosingElement();
        }
        return (TypeElement) current;
    }

    private TypeElement typeElement(String qualifiedName) {
        return processingEnv.getElementUtils().getTypeElement(qualifiedName);
    }
}
