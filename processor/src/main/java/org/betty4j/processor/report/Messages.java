package org.betty4j.processor.report;

import java.util.List;
import java.util.stream.Collectors;
import org.betty4j.annotations.Rules;
import org.betty4j.processor.model.Names;

/**
 * Every message the processor prints. Each states the rule that was broken, names the types
 * and members involved, and says how to fix it. processor/README-processor.md lists them all.
 */
public final class Messages {

    private Messages() {}

    private static String path(List<String> nodes) {
        return String.join(" -> ", nodes);
    }

    private static String quoted(List<String> names) {
        return names.stream().collect(Collectors.joining(", "));
    }

    // ---- set-up --------------------------------------------------------------------------

    public static String runtimeMissing(String problem) {
        return "Betty for Java problems need the runtime: " + Names.TRAINABLE + " is not on the class path, so "
                + problem + " cannot be checked or wired. Fix: add the dependency org.betty4j:betty4j-runtime to this"
                + " module.";
    }

    public static String internalError(String where, Throwable t) {
        StackTraceElement[] trace = t.getStackTrace();
        String at = trace.length == 0 ? "" : " at " + trace[0];
        return "Betty for Java processor failed unexpectedly while processing " + where + ": " + t
                + at + ". This is a bug in the processor, not in your program; please report it with the program's"
                + " @Level classes.";
    }

    public static String roundSplit(String packageName) {
        return "Program " + packageName + " gets @Level classes from a later annotation-processing round (generated"
                + " by another processor), after the package was already checked as a program. Fix: declare all @Level classes of"
                + " the package in source, or generate them in one round.";
    }

    public static String engineNameTaken(String engine, String top) {
        return "The generated wiring class " + engine + " (named after the top problem " + top + ") would clash with"
                + " an existing class of that name. Fix: rename that class or the top problem class.";
    }

    // ---- the problem class ---------------------------------------------------------------

    public static String notAClass(String type, String kind) {
        return "@Level goes on a class, but " + type + " is " + kind + ". Fix: make " + type
                + " a plain class that implements Trainable (a record cannot hold the mutable @Upper/@Lower fields"
                + " the wiring assigns).";
    }

    public static String abstractClass(String type) {
        return "Problem " + type + " is abstract, so the generated wiring cannot instantiate it. Fix: make it"
                + " concrete, or move @Level to a concrete subclass.";
    }

    public static String genericClass(String type) {
        return "Problem " + type + " has type parameters; the wiring cannot choose type arguments. Fix: remove the"
                + " type parameters, or put @Level on a non-generic subclass.";
    }

    public static String privateClass(String type, String privateOne) {
        return "Problem " + type + (privateOne.equals(type) ? " is private" : " is inside private class " + privateOne)
                + ", so the generated wiring in the same package cannot reach it. Fix: make it package-private or"
                + " public.";
    }

    public static String innerClass(String type) {
        return "Problem " + type + " is an inner (non-static nested) class, which needs an enclosing instance the"
                + " wiring does not have. Fix: declare it static, or make it a top-level class.";
    }

    public static String notTrainable(String type) {
        return "Problem " + type + " does not implement " + Names.TRAINABLE + " (its parameters, optimizer and data)."
                + " Fix: add `implements Trainable` and its methods.";
    }

    public static String levelNotPositive(String type, int level) {
        return "Problem " + type + " has level " + level + "; " + Rules.LEVEL.meaning() + ", so the level "
                + Rules.LEVEL.text() + ". Fix: use @Level(" + Rules.LEVEL.min() + ") or higher.";
    }

    /** A {@code @Level} integer setting out of its range. */
    public static String settingOutOfRange(String type, Rules.IntRule rule, int value) {
        return "Problem " + type + " has " + rule.setting() + " = " + value + "; " + rule.meaning() + ", so "
                + rule.setting() + " " + rule.text() + ". Fix: use " + rule.setting() + " >= " + rule.min() + ".";
    }

    /** A {@code @Level} floating-point setting out of its range (NaN and infinities included). */
    public static String settingOutOfRange(String type, Rules.DoubleRule rule, double value) {
        return "Problem " + type + " has " + rule.setting() + " = " + value + "; " + rule.setting() + " is "
                + rule.meaning() + ", and " + rule.text() + ". Fix: use a finite " + rule.setting()
                + (rule.zeroAllowed() ? " >= 0." : " > 0.");
    }

    public static String invalidName(String type, String name, String problem) {
        return "Problem " + type + " is named \"" + name + "\" by @Level(name = ...), which " + problem
                + ". Fix: choose such a name, or leave name out to use the class name.";
    }

    public static String invalidDefaultName(String type, String problem) {
        return "Problem " + type + " takes its name from its class name \"" + type + "\", which " + problem
                + ". Fix: give it a valid name with @Level(name = \"...\") (the class name itself may stay).";
    }

    public static String engineNameTooLong(String engine, int bytes) {
        return "The generated wiring class " + engine + " (named after the top problem class) needs a file name of "
                + bytes + " bytes (" + engine + ".java); file systems allow " + MAX_FILE_NAME_BYTES + ". Fix: give"
                + " the top problem class a shorter name.";
    }

    /** The longest file name (in UTF-8 bytes) common file systems accept. */
    public static final int MAX_FILE_NAME_BYTES = 255;

    public static String localClass(String annotation, String where, String kind, String subject) {
        return annotation + " in " + where + " is never read: javac gives annotation processors only top-level and"
                + " member classes, and the generated wiring could not reach a " + kind + " anyway. Fix: move "
                + subject + " out of the method or initializer into a top-level or static nested class.";
    }

    public static String inheritedDependency(String annotation, String type, String field, String superclass) {
        return "Problem " + type + " inherits " + annotation + " field " + field + " from " + superclass
                + "; the wiring assigns only fields declared in the problem class itself, so it would stay null."
                + " Fix: declare the field in " + type + " (remove it from " + superclass + "), or take it as an "
                + annotation + " parameter of " + type + "'s constructor or training step.";
    }

    public static String duplicateName(String name, List<String> types) {
        return "Problem name \"" + name + "\" is used by " + quoted(types) + "; names must be unique within a"
                + " program. Fix: give one of them a distinct @Level(name = ...).";
    }

    public static String missingLevel(String annotation, String type) {
        return annotation + " is used in " + type + ", which is not a @Level problem, so nothing reads it."
                + " Fix: annotate " + type + " with @Level(n), or remove " + annotation + ".";
    }

    // ---- constructor ---------------------------------------------------------------------

    public static String noUsableConstructor(String type) {
        return "Problem " + type + " has no constructor the wiring can call. Fix: add a non-private no-argument"
                + " constructor, or keep exactly one non-private constructor whose parameters are all @Upper or"
                + " @Lower problems.";
    }

    public static String severalInjectingConstructors(String type, List<String> constructors) {
        return "Problem " + type + " has " + constructors.size() + " constructors the wiring could call ("
                + quoted(constructors) + "), but it calls exactly one: a non-private no-argument constructor, or"
                + " else the only non-private constructor. Fix: keep one of them (make the others private), or add a"
                + " no-argument constructor and turn the @Upper/@Lower parameters into fields.";
    }

    /** @param called the constructor the wiring calls, or null when it calls none */
    public static String strayConstructor(String annotation, String type, String parameter, String constructor,
            String called) {
        String rule = called == null
                ? "it is private, and the wiring calls only a non-private constructor"
                : "the wiring calls " + called + " (a non-private no-argument constructor whenever there is one,"
                        + " else the only non-private constructor)";
        return annotation + " on parameter " + parameter + " of constructor " + constructor + " in " + type
                + " is never wired: " + rule + ". Fix: make " + constructor + " the only non-private constructor"
                + " so the wiring calls it, or make " + parameter + " an " + annotation + " field.";
    }

    public static String constructorParameterNotInjected(String type, String parameter) {
        return "Constructor parameter " + parameter + " of problem " + type + " is neither @Upper nor @Lower, so the"
                + " wiring has nothing to pass. Fix: annotate it @Upper or @Lower (it must be a problem), or add a"
                + " no-argument constructor.";
    }

    public static String constructorThrows(String type, List<String> exceptions) {
        return "The constructor of problem " + type + " declares checked exceptions (" + quoted(exceptions)
                + "), which the generated program() cannot handle. Fix: catch them in the constructor, or throw"
                + " unchecked exceptions.";
    }

    public static String constructorCycle(List<String> cycle) {
        return "Problems need each other through their constructors: " + path(cycle) + "; none of them can be"
                + " constructed first. Fix: turn one of these constructor parameters into an @Upper/@Lower field.";
    }

    public static String strayDependency(String annotation, String type, String parameter, String executable) {
        return annotation + " on parameter " + parameter + " of " + executable + " in " + type + " is never wired:"
                + " only fields, the parameters of the constructor the wiring calls, and @TrainingStep parameters"
                + " are. Fix: move the dependency to a field or to the training step, or remove " + annotation + ".";
    }

    // ---- training step -------------------------------------------------------------------

    public static String noTrainingStep(String type) {
        return "Problem " + type + " has no @TrainingStep method, so it has no cost. Fix: add one, e.g."
                + " `@TrainingStep public NDArray trainingStep(Batch batch)`.";
    }

    public static String severalTrainingSteps(String type, List<String> methods) {
        return "Problem " + type + " has " + methods.size() + " @TrainingStep methods (" + quoted(methods)
                + "); a problem has exactly one cost. Fix: keep @TrainingStep on one of them.";
    }

    public static String trainingStepPrivate(String type, String method) {
        return "Training step " + type + "." + method + " is private, so the generated wiring cannot call it."
                + " Fix: make it package-private or public.";
    }

    public static String trainingStepStatic(String type, String method) {
        return "Training step " + type + "." + method + " is static; it must be an instance method (it uses the"
                + " problem's own parameters). Fix: remove `static`.";
    }

    public static String trainingStepGeneric(String type, String method) {
        return "Training step " + type + "." + method + " has type parameters, which the wiring cannot choose."
                + " Fix: remove them.";
    }

    public static String trainingStepThrows(String type, String method, List<String> exceptions) {
        return "Training step " + type + "." + method + " declares checked exceptions (" + quoted(exceptions)
                + "); the engine calls it as a CostFunction, which throws none. Fix: handle them inside the method"
                + " or rethrow them unchecked.";
    }

    public static String trainingStepFirstParameter(String type, String method, String found) {
        return "Training step " + type + "." + method + " must take an " + Names.BATCH + " as its first parameter"
                + (found == null ? ", but it has no parameters" : ", not " + found)
                + ". Fix: declare it as `" + method + "(Batch batch, ...)`.";
    }

    public static String trainingStepParameterNotInjected(String type, String method, String parameter) {
        return "Parameter " + parameter + " of training step " + type + "." + method + " is neither @Upper nor"
                + " @Lower; after the Batch every parameter must be a problem the wiring passes in. Fix: annotate it"
                + " @Upper or @Lower, or remove it.";
    }

    public static String trainingStepReturn(String type, String method, String found) {
        return "Training step " + type + "." + method + " returns " + found + "; it must return a scalar "
                + Names.NDARRAY + " (the loss) or " + Names.COST + " (loss and metrics). Fix: return the scalar"
                + " loss, e.g. `losses.mean()`.";
    }

    // ---- dependencies --------------------------------------------------------------------

    public static String bothUpperAndLower(String type, String member) {
        return member + " in " + type + " is annotated both @Upper and @Lower; a dependency is one edge. Fix: keep"
                + " @Upper (it uses the current parameters) or @Lower (it uses the optimum).";
    }

    public static String fieldPrivate(String annotation, String type, String field) {
        return annotation + " field " + type + "." + field + " is private, so the generated wiring cannot assign"
                + " it. Fix: make it package-private.";
    }

    public static String fieldFinal(String annotation, String type, String field) {
        return annotation + " field " + type + "." + field + " is final, so the generated wiring cannot assign"
                + " it. Fix: remove `final` (or use a constructor parameter instead).";
    }

    public static String fieldStatic(String annotation, String type, String field) {
        return annotation + " field " + type + "." + field + " is static; a dependency belongs to one problem"
                + " instance. Fix: remove `static`.";
    }

    public static String dependencyPrimitive(String annotation, String type, String member, String found) {
        return annotation + " " + member + " in " + type + " has type " + found + ", not a problem class."
                + " Fix: give it the type of a @Level class of this program, or remove " + annotation + ".";
    }

    public static String dependencyCollection(String annotation, String type, String member, String found) {
        return annotation + " " + member + " in " + type + " is a collection (" + found + "); each dependency is"
                + " one problem, one edge. Fix: declare one " + annotation + " field per problem.";
    }

    public static String dependencyNotProblem(String annotation, String type, String member, String found) {
        return annotation + " " + member + " in " + type + " has type " + found + ", which is not a @Level problem."
                + " Fix: annotate " + found + " with @Level(n) in this package, or remove " + annotation + ".";
    }

    public static String dependencyOtherPackage(String annotation, String type, String member, String found,
            String packageName) {
        return annotation + " " + member + " in " + type + " refers to problem " + found + " of another program"
                + " (package " + packageName + "); a program is the @Level classes of one package. Fix: move the"
                + " problems into one package.";
    }

    public static String dependencyNotCompiledTogether(String annotation, String type, String member, String found) {
        return annotation + " " + member + " in " + type + " refers to problem " + found + ", which is not being"
                + " compiled with this program (it comes from a class file or jar), so the program cannot be"
                + " generated from one consistent set of classes. Fix: compile all @Level classes of the package"
                + " together.";
    }

    public static String selfDependency(String type, String member) {
        return "@Upper " + member + " in " + type + " refers to " + type + " itself; a problem cannot be its own"
                + " upper problem. Fix: remove the annotation (the problem already sees its own parameters).";
    }

    public static String upperNotHigher(String type, int level, String member, String upper, int upperLevel) {
        return "@Upper " + member + " in " + type + " (level " + level + ") refers to " + upper + " (level "
                + upperLevel + "), which is not higher; @Upper must point to a strictly higher level. Fix: use"
                + " @Lower if " + type + " reads " + upper + "'s optimum, or raise " + upper + "'s level above "
                + level + ".";
    }

    public static String lowerNotLower(String type, int level, String member, String lower, int lowerLevel) {
        return "@Lower " + member + " in " + type + " (level " + level + ") refers to " + lower + " (level "
                + lowerLevel + "), which is not lower; @Lower must point to a strictly lower level. Fix: use"
                + " @Upper if " + type + " reads " + lower + "'s current parameters, or lower " + lower
                + "'s level below " + level + ".";
    }

    // ---- the graph -----------------------------------------------------------------------

    public static String lowerToUpperCycle(List<String> cycle) {
        return "Cycle among lower-to-upper (@Lower) edges: " + path(cycle) + " (each problem's cost reads the"
                + " optimum of the one before it); no problem in it can be solved first. Fix: remove one @Lower of"
                + " the cycle, or turn it into @Upper.";
    }

    public static String disconnected(String packageName, List<List<String>> groups) {
        return "Program " + packageName + " splits into " + groups.size() + " disconnected programs: "
                + groups.stream().map(g -> "[" + quoted(g) + "]").collect(Collectors.joining(", "))
                + "; one package is one program. Fix: connect them with @Upper/@Lower edges, or move each group"
                + " into its own package.";
    }

    public static String noPathBack(String lower, String member, String upper) {
        return "@Upper " + member + " in " + lower + " makes " + lower + "'s cost depend on " + upper
                + "'s parameters, but no chain of @Lower edges leads from " + lower + " back up to " + upper
                + ", so nothing differentiates " + upper + " through " + lower + ". Fix: add @Lower " + lower
                + " (or a @Lower chain from " + lower + " up to " + upper + ") in " + upper + ", or remove the @Upper.";
    }

    public static String hypergradNotOnPath(String type) {
        return "@Hypergrad on " + type + " means nothing: it says how upper gradients are carried through this"
                + " problem's best response, but " + type + " lies inside no backpropagation path (no upper"
                + " problem differentiates through it). Fix: remove @Hypergrad, or put it on a lower problem whose"
                + " optimum an upper problem reads.";
    }

    public static String hypergradUnused(String type, String method, String member) {
        return "@Hypergrad(" + method + ") on " + type + " sets " + member + ", which " + method + " does not use."
                + " Fix: remove " + member + ", or choose a method that uses it.";
    }

    public static String hypergradAlpha(String type, String method, double alpha) {
        return "@Hypergrad(" + method + ") on " + type + " sets alpha = " + alpha + "; alpha " + Rules.ALPHA.text()
                + ". Fix: use a finite positive alpha, or leave it out for the default " + defaultAlpha(method) + ".";
    }

    private static String defaultAlpha(String method) {
        return String.valueOf(org.betty4j.annotations.HypergradMethod.valueOf(method).defaultAlpha());
    }

    public static String hypergradIterations(String type, String method, int iterations) {
        return "@Hypergrad(" + method + ") on " + type + " sets iterations = " + iterations + "; "
                + Rules.ITERATIONS.meaning() + ". Fix: use iterations >= " + Rules.ITERATIONS.min() + ", or leave it out for the default "
                + org.betty4j.annotations.HypergradMethod.valueOf(method).defaultIterations() + ".";
    }

    public static String hypergradFirstOrder(String type, String method) {
        return "@Hypergrad(" + method + ") on " + type + " sets firstOrder = true, which means nothing for "
                + method + " (it inverts the Hessian, a second-order quantity). Fix: remove firstOrder, or use"
                + " AID_FD or ITD_RMAD.";
    }
}
