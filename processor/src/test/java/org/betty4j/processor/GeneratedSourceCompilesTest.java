package org.betty4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.testing.compile.Compilation;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The processor never emits a file that does not compile: for every {@code good/} fixture, the
 * generated source is compiled again, without the processor, with every lint warning on and
 * {@code -Werror}, so a warning in generated code fails the test as an error would.
 */
class GeneratedSourceCompilesTest {

    static List<String> goodFixtures() {
        return Fixtures.cases("good");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodFixtures")
    void generatedSourceCompilesWithWerror(String name) {
        Fixtures.Fixture fixture = Fixtures.load("good/" + name);
        Compilation processed = fixture.compile();
        assertThat(processed).succeededWithoutWarnings();
        List<JavaFileObject> generated = processed.generatedSourceFiles();
        assertFalse(generated.isEmpty(), name + " generated no source");

        List<JavaFileObject> sources = new ArrayList<>(fixture.sources());
        sources.addAll(generated);
        Compilation strict = javac().withOptions("-proc:none", "-Xlint:all", "-Werror").compile(sources);
        assertThat(strict).succeededWithoutWarnings();
    }
}
