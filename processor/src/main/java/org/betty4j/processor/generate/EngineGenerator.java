package org.betty4j.processor.generate;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.element.TypeElement;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.annotations.Rules;
import org.betty4j.processor.model.Names;
import org.betty4j.processor.plan.ProgramPlan;
import org.betty4j.processor.model.HypergradModel;
import org.betty4j.processor.model.ProblemModel;
import org.betty4j.processor.model.ResolvedDependency;
import org.betty4j.processor.model.Site;
import org.betty4j.processor.model.TrainingStepModel;

/**
 * Generate stage: writes the wiring class of a valid program with JavaPoet. The output is a
 * pure function of the {@link ProgramPlan} (everything iterated in sorted order, no dates), so
 * the same program always yields the same source.
 *
 * <p>The graph is written as data, never as an enumeration of paths: a table of problems
 * ({@code EXECUTION_ORDER}), one small method per problem building its {@code ProblemNode},
 * and the edges as one statement each. Long lists of statements are split into methods of at
 * most {@link #CHUNK} statements, and nothing is a chained expression whose depth grows with
 * the program, so every method stays far below the JVM's 64 KB limit and javac's recursion
 * depth whatever the size of the program.
 */
public final class EngineGenerator {

    public static final String PROCESSOR = "org.betty4j.processor.BettyProcessor";

    /** The most statements in one generated method (each is a few bytes of bytecode). */
    public static final int CHUNK = 250;

    /** The most problems the class javadoc names; the table {@code EXECUTION_ORDER} has them all. */
    private static final int JAVADOC_PROBLEMS = 20;

    private static final ClassName PROGRAM = ClassName.get(Names.RUNTIME_ENGINE_PACKAGE, "Program");
    private static final ClassName PROGRAM_BUILDER = PROGRAM.nestedClass("Builder");
    private static final ClassName PROBLEM_NODE = ClassName.get(Names.RUNTIME_ENGINE_PACKAGE, "ProblemNode");
    private static final ClassName ENGINE = ClassName.get(Names.RUNTIME_ENGINE_PACKAGE, "Engine");
    private static final ClassName ENGINE_CONFIG = ClassName.get(Names.RUNTIME_ENGINE_PACKAGE, "EngineConfig");
    private static final ClassName COST = ClassName.bestGuess(Names.COST);
    private static final ClassName HYPERGRAD_CONFIG = ClassName.get("org.betty4j.runtime.hypergrad", "HypergradConfig");
    private static final ClassName HYPERGRAD_METHOD = ClassName.get(HypergradMethod.class);
    private static final ClassName PROGRAM_MAIN = ClassName.get("org.betty4j.runtime.cli", "ProgramMain");
    private static final ClassName LIST = ClassName.get(List.class);
    private static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
    private static final String BATCH = "batch";
    private static final String INSTANCES = "p";
    private static final String BUILDER = "program";

    private final boolean generatedAnnotationAvailable;

    /** @param generatedAnnotationAvailable whether {@code javax.annotation.processing.Generated} can be used */
    public EngineGenerator(boolean generatedAnnotationAvailable) {
        this.generatedAnnotationAvailable = generatedAnnotationAvailable;
    }

    public JavaFile generate(ProgramPlan plan) {
        String packageName = plan.program().packageName();
        ClassName engine = ClassName.get(packageName, plan.engineSimpleName());
        NameAllocator names = new NameAllocator();
        for (String reserved : List.of(BATCH, INSTANCES, BUILDER, "create", "main", "EXECUTION_ORDER")) {
            names.newName(reserved, reserved);
        }
        // the nested holder must not shadow a problem class of the package
        plan.program().problems().forEach(p -> names.newName(p.simpleName(), "class " + p.qualifiedName()));
        ClassName instances = engine.nestedClass(names.newName("Instances", "Instances"));
        Map<ProblemModel, String> fields = new LinkedHashMap<>();
        Map<ProblemModel, String> methods = new LinkedHashMap<>();
        for (ProblemModel p : plan.executionOrder()) {
            String simple = p.simpleName();
            String suggestion = Character.toLowerCase(simple.charAt(0)) + simple.substring(1);
            String name = names.newName(suggestion, p);
            fields.put(p, name);
            methods.put(p, name);
        }
        Naming naming = new Naming(instances, fields, names);

        TypeSpec.Builder type = TypeSpec.classBuilder(engine)
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .addJavadoc("Wiring of the multilevel program in package {@code $L}, generated by Betty for Java.\n\n"
                        + "<p>Problems: $L.\n\n<p>Run it with {@link #main}, or build it with {@link #program()} /\n"
                        + "{@link #create}. Regenerated on every compile from the {@code @Level} classes; do not edit.\n",
                        packageName, describeProblems(plan.executionOrder()));
        if (generatedAnnotationAvailable) {
            type.addAnnotation(AnnotationSpec.builder(GENERATED)
                    .addMember("value", "$S", PROCESSOR)
                    .addMember("comments", "$S", "Betty for Java wiring of package " + packageName)
                    .build());
        }
        plan.program().problems().forEach(p -> type.addOriginatingElement(p.type()));
        type.addField(executionOrderField(plan));
        type.addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build());

        MethodSpec.Builder program = MethodSpec.methodBuilder("program")
                .addJavadoc("Fresh problem instances wired into a program: problems, then edges (the runtime derives the"
                        + "\nbackpropagation paths from the edges).\n")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(PROGRAM)
                .addStatement("$T $N = new $T()", instances, INSTANCES, instances)
                .addStatement("$T $N = $T.builder($S)", PROGRAM_BUILDER, BUILDER, PROGRAM, plan.top().name());
        List<CodeBlock> problemStatements = plan.executionOrder().stream()
                .map(p -> CodeBlock.of("$N.problem($N($N))", BUILDER, methods.get(p), INSTANCES)).toList();
        List<CodeBlock> upperToLower = plan.upperToLower().stream()
                .map(e -> CodeBlock.of("$N.upperToLower($S, $S)", BUILDER, e.from(), e.to())).toList();
        List<CodeBlock> lowerToUpper = plan.lowerToUpper().stream()
                .map(e -> CodeBlock.of("$N.lowerToUpper($S, $S)", BUILDER, e.from(), e.to())).toList();
        String problemsDoc = "The problems, in execution order.";
        String upperToLowerDoc = "Upper-to-lower edges (U, L): L's cost reads U's current parameters.";
        String lowerToUpperDoc = "Lower-to-upper edges (L, U): U's cost reads L's optimum.";
        List<MethodSpec> helpers = new ArrayList<>();
        if (problemStatements.size() + upperToLower.size() + lowerToUpper.size() <= CHUNK) {
            inline(program, problemsDoc, problemStatements);
            inline(program, upperToLowerDoc, upperToLower);
            inline(program, lowerToUpperDoc, lowerToUpper);
        } else {
            List<ParameterSpec> builderOnly = List.of(ParameterSpec.builder(PROGRAM_BUILDER, BUILDER).build());
            for (String m : chunks(names, "problems", problemsDoc, problemStatements,
                    List.of(ParameterSpec.builder(PROGRAM_BUILDER, BUILDER).build(),
                            ParameterSpec.builder(instances, INSTANCES).build()), helpers, Modifier.PRIVATE, Modifier.STATIC)) {
                program.addStatement("$N($N, $N)", m, BUILDER, INSTANCES);
            }
            for (String m : chunks(names, "upperToLower", upperToLowerDoc, upperToLower, builderOnly, helpers,
                    Modifier.PRIVATE, Modifier.STATIC)) {
                program.addStatement("$N($N)", m, BUILDER);
            }
            for (String m : chunks(names, "lowerToUpper", lowerToUpperDoc, lowerToUpper, builderOnly, helpers,
                    Modifier.PRIVATE, Modifier.STATIC)) {
                program.addStatement("$N($N)", m, BUILDER);
            }
        }
        program.addStatement("return $N.build()", BUILDER);
        type.addMethod(program.build());
        type.addMethod(MethodSpec.methodBuilder("create")
                .addJavadoc("An engine for a fresh {@link #program()} with the given run settings.\n")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(ENGINE)
                .addParameter(ENGINE_CONFIG, "config")
                .addStatement("return new $T(program(), config)", ENGINE)
                .build());
        type.addMethod(MethodSpec.methodBuilder("main")
                .addJavadoc("Runs the program from the command line; {@code --help} lists the options.\n")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .addParameter(String[].class, "args")
                .addStatement("System.exit($T.run($T::program, args))", PROGRAM_MAIN, engine)
                .build());
        for (ProblemModel p : plan.executionOrder()) {
            type.addMethod(problemMethod(plan, p, methods.get(p), naming));
        }
        helpers.forEach(type::addMethod);
        type.addType(instancesClass(plan, naming, names));
        return JavaFile.builder(packageName, type.build()).skipJavaLangImports(true).indent("    ").build();
    }

    /** Field names of the problem instances in the holder class. */
    private record Naming(ClassName instances, Map<ProblemModel, String> fields, NameAllocator names) {
        CodeBlock instance(ProblemModel p) {
            return CodeBlock.of("$N.$N", INSTANCES, fields.get(p));
        }
    }

    private static String describe(ProblemModel p) {
        return p.name() + " (level " + p.level() + ")";
    }

    private static String describeProblems(List<ProblemModel> problems) {
        String listed = problems.stream().limit(JAVADOC_PROBLEMS).map(EngineGenerator::describe)
                .collect(Collectors.joining(", "));
        return problems.size() <= JAVADOC_PROBLEMS ? listed
                : listed + " and " + (problems.size() - JAVADOC_PROBLEMS) + " more (see EXECUTION_ORDER)";
    }

    private static FieldSpec executionOrderField(ProgramPlan plan) {
        CodeBlock.Builder names = CodeBlock.builder();
        List<ProblemModel> order = plan.executionOrder();
        for (int i = 0; i < order.size(); i++) {
            // eight names a line keeps a large table readable
            names.add(i == 0 ? "" : i % 8 == 0 ? ",\n" : ", ").add("$S", order.get(i).name());
        }
        return FieldSpec.builder(ParameterizedTypeName.get(LIST, ClassName.get(String.class)), "EXECUTION_ORDER",
                        Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc("Problem names in execution order (by level, then name).\n")
                .initializer(order.size() > 8 ? "$T.of(\n$>$>$L$<$<)" : "$T.of($L)", LIST, names.build())
                .build();
    }

    /** Statements written into the method itself, after a comment saying what they are. */
    private static void inline(MethodSpec.Builder method, String comment, List<CodeBlock> statements) {
        if (!statements.isEmpty()) {
            method.addComment("$L", comment);
            statements.forEach(method::addStatement);
        }
    }

    /**
     * Puts {@code statements} into methods of at most {@link #CHUNK} statements each: one method
     * {@code base} when they fit, else {@code base0}, {@code base1}, ...; returns their names (none
     * for no statements).
     */
    private static List<String> chunks(NameAllocator names, String base, String javadoc, List<CodeBlock> statements,
            List<ParameterSpec> parameters, List<MethodSpec> out, Modifier... modifiers) {
        List<String> methodNames = new ArrayList<>();
        int count = (statements.size() + CHUNK - 1) / CHUNK;
        for (int c = 0; c < count; c++) {
            String name = names.newName(count == 1 ? base : base + c, base + "#" + c);
            MethodSpec.Builder m = MethodSpec.methodBuilder(name)
                    .addModifiers(modifiers)
                    .addParameters(parameters)
                    .addJavadoc("$L\n", count == 1 ? javadoc : javadoc + " Part " + (c + 1) + " of " + count + ".");
            statements.subList(c * CHUNK, Math.min(statements.size(), (c + 1) * CHUNK)).forEach(m::addStatement);
            out.add(m.build());
            methodNames.add(name);
        }
        return methodNames;
    }

    /**
     * The holder of one program's problem instances: constructed in dependency order (a
     * constructor-injected problem first), then the {@code @Upper}/{@code @Lower} fields
     * assigned, both in chunks.
     */
    private static TypeSpec instancesClass(ProgramPlan plan, Naming naming, NameAllocator names) {
        Map<String, ProblemModel> byClass = plan.byClass();
        TypeSpec.Builder holder = TypeSpec.classBuilder(naming.instances())
                .addJavadoc("The problem instances of one {@link #program()} call.\n")
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL);
        for (ProblemModel p : plan.executionOrder()) {
            holder.addField(ClassName.get(p.type()), naming.fields().get(p));
        }
        List<CodeBlock> construct = new ArrayList<>();
        for (ProblemModel p : plan.constructionOrder()) {
            List<CodeBlock> arguments = new ArrayList<>();
            p.constructor().orElseThrow().parameters().forEach(parameter ->
                    arguments.add(CodeBlock.of("$N", naming.fields().get(targetOf(parameter, byClass)))));
            construct.add(CodeBlock.of("$N = new $T($L)", naming.fields().get(p), ClassName.get(p.type()),
                    CodeBlock.join(arguments, ", ")));
        }
        List<CodeBlock> wire = new ArrayList<>();
        for (ProblemModel p : plan.executionOrder()) {
            for (ResolvedDependency d : plan.dependenciesOf(p)) {
                if (d.dependency().site() == Site.FIELD) {
                    wire.add(CodeBlock.of("$N.$N = $N", naming.fields().get(p), d.dependency().memberName(),
                            naming.fields().get(d.target())));
                }
            }
        }
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        String constructDoc = "Constructs the problems, constructor-injected ones first.";
        String wireDoc = "Assigns the @Upper/@Lower fields.";
        List<MethodSpec> parts = new ArrayList<>();
        if (construct.size() + wire.size() <= CHUNK) {
            inline(constructor, constructDoc, construct);
            inline(constructor, wireDoc, wire);
        } else {
            for (String m : chunks(names, "construct", constructDoc, construct, List.of(), parts, Modifier.PRIVATE)) {
                constructor.addStatement("$N()", m);
            }
            for (String m : chunks(names, "wire", wireDoc, wire, List.of(), parts, Modifier.PRIVATE)) {
                constructor.addStatement("$N()", m);
            }
        }
        holder.addMethod(constructor.build());
        // instance methods: they assign the holder's fields
        parts.forEach(holder::addMethod);
        return holder.build();
    }

    /** One problem's node: its name, level, instance, cost function and resolved settings. */
    private static MethodSpec problemMethod(ProgramPlan plan, ProblemModel p, String name, Naming naming) {
        Map<String, ProblemModel> byClass = plan.byClass();
        CodeBlock.Builder node = CodeBlock.builder()
                .add("return $T.builder($S, $L, $L)\n$>$>", PROBLEM_NODE, p.name(), p.level(), naming.instance(p))
                .add(".costFunction($L)\n", costFunction(p, naming, byClass));
        // only settings that differ from the runtime's defaults, so plain programs stay short
        if (p.unrollSteps() != 1) {
            node.add(".optUnrollSteps($L)\n", p.unrollSteps());
        }
        if (plan.pathInterior().contains(p.name())) {
            node.add(".optHypergrad($L)\n", hypergrad(p));
        }
        ProblemModel.StepSettings settings = p.stepSettings();
        if (settings.warmupSteps().value() != 0) {
            node.add(".optWarmupSteps($L)\n", settings.warmupSteps().value());
        }
        if (settings.gradientAccumulation().value() != 1) {
            node.add(".optGradientAccumulation($L)\n", settings.gradientAccumulation().value());
        }
        if (settings.clipGradNorm().value() != 0) {
            node.add(".optClipGradNorm($L)\n", Double.toString(settings.clipGradNorm().value()));
        }
        return MethodSpec.methodBuilder(name)
                .addJavadoc("$L.\n", describe(p))
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .returns(PROBLEM_NODE)
                .addParameter(naming.instances(), INSTANCES)
                .addCode(node.add(".build();\n$<$<").build())
                .build();
    }

    private static CodeBlock costFunction(ProblemModel p, Naming naming, Map<String, ProblemModel> byClass) {
        TrainingStepModel step = p.trainingStep();
        List<VariableElement> parameters = step.parameters();
        boolean returnsCost = ((TypeElement) ((DeclaredType) step.method().getReturnType()).asElement())
                .getQualifiedName().contentEquals(Names.COST);
        if (returnsCost && parameters.size() == 1) {
            return CodeBlock.of("$L::$N", naming.instance(p), step.methodName());
        }
        List<CodeBlock> arguments = new ArrayList<>();
        arguments.add(CodeBlock.of("$N", BATCH));
        parameters.subList(1, parameters.size()).forEach(parameter ->
                arguments.add(naming.instance(targetOf(parameter, byClass))));
        CodeBlock call = CodeBlock.of("$L.$N($L)", naming.instance(p), step.methodName(), CodeBlock.join(arguments, ", "));
        return returnsCost ? CodeBlock.of("$N -> $L", BATCH, call) : CodeBlock.of("$N -> $T.of($L)", BATCH, COST, call);
    }

    private static ProblemModel targetOf(VariableElement parameter, Map<String, ProblemModel> byClass) {
        TypeElement type = (TypeElement) ((DeclaredType) parameter.asType()).asElement();
        return byClass.get(type.getQualifiedName().toString());
    }

    /** The resolved configuration: the problem's {@code @Hypergrad}, or the default method's defaults. */
    private static CodeBlock hypergrad(ProblemModel p) {
        HypergradMethod method = p.hypergrad().map(HypergradModel::method).orElse(Rules.DEFAULT_METHOD);
        double alpha = p.hypergrad().map(HypergradModel::resolvedAlpha).orElse(method.defaultAlpha());
        int iterations = p.hypergrad().map(HypergradModel::resolvedIterations).orElse(method.defaultIterations());
        boolean firstOrder = p.hypergrad().map(HypergradModel::resolvedFirstOrder).orElse(false);
        return CodeBlock.of("new $T($T.$L, $L, $L, $L)", HYPERGRAD_CONFIG, HYPERGRAD_METHOD, method.name(),
                Double.toString(alpha), iterations, firstOrder);
    }
}
