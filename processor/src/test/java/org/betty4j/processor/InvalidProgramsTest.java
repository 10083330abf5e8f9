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

    /** Fixture -> a distinctive part of the message its error must contain. */
    static final Map<String, String> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("CycleOfThree", "Cycle among lower-to-upper (@Lower) edges: A -> B -> C -> A");
        EXPECTED.put("UpperNotHigher", "@Upper b in A (level 2) refers to B (level 2), which is not higher");
        EXPECTED.put("LowerNotLower", "@Lower c in B (level 2) refers to C (level 3), which is not lower");
        EXPECTED.put("NoTrainingStep", "Problem A has no @TrainingStep method");
        EXPECTED.put("TwoTrainingSteps", "Problem A has 2 @TrainingStep methods (trainingStep(), otherStep())");
        EXPECTED.put("FirstParameterNotBatch", "must take an ai.djl.training.dataset.Batch as its first parameter, not ai.djl.ndarray.NDArray");
        EXPECTED.put("ReturnsDouble", "Training step A.trainingStep returns double");
        EXPECTED.put("DependsOnNonProblem", "@Upper helper in A has type Helper, which is not a @Level problem");
        EXPECTED.put("NoPathBack", "no chain of @Lower edges leads from A back up to B");
    }

    static Stream<Arguments> cases() {
        return EXPECTED.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectedWithExactlyTheMarkedErrors(String name, String message) {
        Fixtures.Fixture fixture = Fixtures.load("bad/" + name);
        assertFalse(fixture.markers().isEmpty(), name + " marks no error line");
        Compilation compilation = fixture.compile();
        assertThat(compilation).failed();
        assertThat(compilation).hadErrorCount(fixture.markers().size());
        for (Fixtures.Marker marker : fixture.markers()) {
            assertThat(compilation).hadErrorContaining(message).inFile(marker.file()).onLine(marker.line());
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
                    assertFalse(text.contains("Exception"), kind + "/" + name + ": " + text);
                }
                assertTrue(kind.equals("bad") != (compilation.status() == Compilation.Status.SUCCESS),
                        kind + "/" + name + " compiled with status " + compilation.status());
            }
        }
    }
}
