package org.betty4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code bad/} fixture fails to compile with exactly its marked errors: one per
 * {@code // <-- error} line, each containing the expected text and pointing at that line.
 */
class InvalidProgramsTest {

    /**
     * Fixture -> a distinctive part of each expected message, in the order of the fixture's
     * markers (files by name, then lines).
     */
    static final Map<String, List<String>> EXPECTED = new LinkedHashMap<>();

    private static void expect(String fixture, String... messages) {
        EXPECTED.put(fixture, List.of(messages));
    }

    static {
        // graph shape, training step and dependency basics
        expect("CycleOfThree", "Cycle among lower-to-upper (@Lower) edges: A -> B -> C -> A");
        expect("UpperNotHigher", "@Upper b in A (level 2) refers to B (level 2), which is not higher");
        expect("LowerNotLower", "@Lower c in B (level 2) refers to C (level 3), which is not lower");
        expect("NoTrainingStep", "Problem A has no @TrainingStep method");
        expect("TwoTrainingSteps", "Problem A has 2 @TrainingStep methods (trainingStep(), otherStep())");
        expect("FirstParameterNotBatch",
                "must take an ai.djl.training.dataset.Batch as its first parameter, not ai.djl.ndarray.NDArray");
        expect("ReturnsDouble", "Training step A.trainingStep returns double");
        expect("DependsOnNonProblem", "@Upper helper in A has type Helper, which is not a @Level problem");
        expect("NoPathBack", "no chain of @Lower edges leads from A back up to B");
        // every other rule of a problem class, its members and the graph
        expect("CycleOfOne", "Cycle among lower-to-upper (@Lower) edges: A -> A ");
        expect("CycleOfTwo", "Cycle among lower-to-upper (@Lower) edges: A -> B -> A ");
        expect("SelfDependency", "@Upper self in A refers to A itself");
        expect("DuplicateName", "Problem name \"A\" is used by bad.duplicatename.A, bad.duplicatename.B");
        expect("LevelZero", "Problem A has level 0; levels start at 1");
        expect("UnrollZero", "Problem A has unrollSteps = 0");
        expect("InvalidName", "Problem A is named \"my problem\"");
        expect("MissingLevel", "@TrainingStep is used in bad.missinglevel.A, which is not a @Level problem");
        expect("UpperOnPrimitive", "@Upper b in A has type int, not a problem class");
        expect("LowerOnCollection", "@Lower lowers in A is a collection (java.util.List<bad.loweroncollection.B>)");
        expect("OtherPackage", "refers to problem bad.otherpackage.elsewhere.B of another program");
        expect("BothUpperAndLower", "b in A is annotated both @Upper and @Lower");
        expect("PrivateField", "@Upper field A.b is private");
        expect("FinalField", "@Upper field A.b is final");
        expect("StaticField", "@Upper field A.b is static");
        expect("StrayDependency", "@Upper on parameter other of helper(bad.straydependency.B) in A is never wired");
        expect("AbstractClass", "Problem A is abstract");
        expect("InterfaceProblem", "@Level goes on a class, but A is an interface");
        expect("RecordProblem", "@Level goes on a class, but A is a record");
        expect("GenericClass", "Problem A has type parameters");
        expect("InnerClass", "Problem Inner is an inner (non-static nested) class");
        expect("PrivateNestedClass", "Problem Hidden is private");
        expect("NotTrainable", "Problem A does not implement org.betty4j.runtime.problem.Trainable");
        expect("NoUsableConstructor", "Problem A has no constructor the wiring can call");
        expect("ConstructorParameterNotInjected", "Constructor parameter size of problem A is neither @Upper nor @Lower");
        expect("ConstructorThrows", "The constructor of problem A declares checked exceptions (java.io.IOException)");
        expect("ConstructorCycle", "Problems need each other through their constructors: A -> B -> A");
        expect("PrivateTrainingStep", "Training step A.trainingStep is private");
        expect("StaticTrainingStep", "Training step A.trainingStep is static");
        expect("GenericTrainingStep", "Training step A.trainingStep has type parameters");
        expect("TrainingStepThrowsChecked", "Training step A.trainingStep declares checked exceptions (java.io.IOException)");
        expect("TrainingStepReturnsNDList", "Training step A.trainingStep returns ai.djl.ndarray.NDList");
        expect("TrainingStepWithoutParameters", "as its first parameter, but it has no parameters");
        expect("TrainingStepParameterNotInjected", "Parameter step of training step A.trainingStep is neither @Upper nor @Lower");
        expect("Disconnected", "Program bad.disconnected splits into 2 disconnected programs: [A, B], [C]");
        expect("HypergradNotOnPath", "@Hypergrad on B means nothing");
        expect("HypergradAlphaUnused", "@Hypergrad(ITD_RMAD) on A sets alpha, which ITD_RMAD does not use");
        expect("HypergradIterationsUnused", "@Hypergrad(AID_FD) on A sets iterations, which AID_FD does not use");
        expect("HypergradAlphaNotPositive", "@Hypergrad(AID_NEUMANN) on A sets alpha = 0.0; alpha must be finite and positive");
        expect("HypergradIterationsNotPositive", "@Hypergrad(AID_CG) on A sets iterations = 0");
        expect("HypergradFirstOrderWithCg", "@Hypergrad(AID_CG) on A sets firstOrder = true, which means nothing");
        expect("UpperOutsideProblem", "@Upper is used in bad.upperoutsideproblem.Helper, which is not a @Level problem");
        expect("HypergradOutsideProblem", "@Hypergrad is used in bad.hypergradoutsideproblem.A, which is not a @Level problem");
        expect("EngineNameTaken", "The generated wiring class bad.enginenametaken.AEngine (named after the top problem A)"
                + " would clash with an existing class of that name");
        // per-problem step settings
        expect("WarmupNegative", "Problem A has warmupSteps = -1");
        expect("AccumulationZero", "Problem A has gradientAccumulation = 0");
        expect("ClipNormNegative", "Problem A has clipGradNorm = -0.5");
        expect("ClipNormNaN", "Problem A has clipGradNorm = NaN");
        // every numeric value is checked for finiteness as well as range
        expect("HypergradAlphaInfinite", "@Hypergrad(AID_CG) on A sets alpha = Infinity; alpha must be finite and positive."
                + " Fix: use a finite positive alpha, or leave it out for the default 1.0.");
        expect("HypergradAlphaNaN", "@Hypergrad(AID_FD) on A sets alpha = NaN; alpha must be finite and positive");
        expect("ClipNormInfinite", "Problem A has clipGradNorm = Infinity; clipGradNorm is the clipping norm, 0 (the"
                + " default) for no clipping, and must be finite and 0 or more. Fix: use a finite clipGradNorm >= 0.");
        // annotations javac never hands to a processor, and fields the wiring would never assign
        expect("LocalClass", "@Level in local class Local is never read: javac gives annotation processors only"
                + " top-level and member classes");
        expect("AnonymousClass", "@Upper in an anonymous class is never read");
        expect("InheritedDependency", "Problem A inherits @Upper field b from bad.inheriteddependency.Base; the wiring"
                + " assigns only fields declared in the problem class itself, so it would stay null. Fix: declare the"
                + " field in A");
        // one error per problem, and messages that state the rule and the fix
        expect("TwoInjectingConstructors", "Problem A has 2 constructors the wiring could call (A(B), A(B, B)), but it"
                + " calls exactly one: a non-private no-argument constructor, or else the only non-private constructor."
                + " Fix: keep one of them");
        expect("StrayConstructor", "@Upper on parameter b of constructor A(B, B) in A is never wired: the wiring calls"
                + " A() (a non-private no-argument constructor whenever there is one, else the only non-private"
                + " constructor). Fix: make A(B, B) the only non-private constructor");
        expect("NameTooLong", "which is 65 characters long; problem names are used on the command line and in logs,"
                + " and must match [A-Za-z_][A-Za-z0-9_]* (ASCII) with at most 64 characters. Fix: choose such a name");
        expect("DefaultNameNonAscii", "Problem Größe takes its name from its class name \"Größe\", which contains the"
                + " non-ASCII character 'ö'; problem names are used on the command line and in logs, and must match"
                + " [A-Za-z_][A-Za-z0-9_]* (ASCII) with at most 64 characters. Fix: give it a valid name with"
                + " @Level(name = \"...\")");
        expect("DefaultNameTooLong", "which is 67 characters long; problem names are used on the command line and in"
                + " logs, and must match [A-Za-z_][A-Za-z0-9_]* (ASCII) with at most 64 characters. Fix: give it a"
                + " valid name with @Level(name = \"...\")");
        // several independent mistakes in one compile: every one reported, once
        expect("SeveralIndependentErrors",
                "@Hypergrad(ITD_RMAD) on A sets iterations, which ITD_RMAD does not use",
                "@Upper field A.b is private",
                "Training step A.trainingStep is static",
                "Training step B.trainingStep returns double");
        // an element error and a graph error, independent of each other: both reported
        expect("ElementAndGraphErrors",
                "@Upper field A.b is private",
                "no chain of @Lower edges leads from A back up to B");
        // two separate cycles in one program: each printed once, in its first problem
        expect("TwoCycles",
                "Cycle among lower-to-upper (@Lower) edges: A -> B -> A ",
                "Cycle among lower-to-upper (@Lower) edges: C -> D -> C ");
    }

    static Stream<Arguments> cases() {
        return EXPECTED.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectedWithExactlyTheMarkedErrors(String name, List<String> messages) {
        Fixtures.Fixture fixture = Fixtures.load("bad/" + name);
        assertEquals(messages.size(), fixture.markers().size(), name + ": markers vs expected messages");
        Compilation compilation = fixture.compile();
        assertThat(compilation).failed();
        assertThat(compilation).hadErrorCount(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            Fixtures.Marker marker = fixture.markers().get(i);
            assertThat(compilation).hadErrorContaining(messages.get(i)).inFile(marker.file()).onLine(marker.line());
        }
    }

    @Test
    void everyBadFixtureHasAnExpectation() {
        assertEquals(Fixtures.cases("bad"), EXPECTED.keySet().stream().sorted().toList());
    }

    /** The processor never throws into javac and never reports an internal failure, on any fixture. */
    @Test
    void noExceptionEscapesForAnyFixture() {
        for (String kind : List.of("bad", "good")) {
            for (String name : Fixtures.cases(kind)) {
                Compilation compilation = Fixtures.load(kind + "/" + name).compile();
                for (Diagnostic<?> d : compilation.errors()) {
                    String text = d.getMessage(null);
                    assertFalse(text.contains("failed unexpectedly"), kind + "/" + name + ": " + text);
                    assertFalse(text.contains("\tat "), kind + "/" + name + " printed a stack trace: " + text);
                }
                assertTrue(kind.equals("bad") != (compilation.status() == Compilation.Status.SUCCESS),
                        kind + "/" + name + " compiled with status " + compilation.status());
            }
        }
    }
}
