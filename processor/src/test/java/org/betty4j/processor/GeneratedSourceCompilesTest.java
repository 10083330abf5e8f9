package org.betty4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.testing.compile.Compilation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The processor never emits a file that does not compile: every {@code good/} fixture is
 * compiled with the processor and every lint warning on (only javac's notice about the
 * standard {@code @Generated} is allowed), and the generated source is compiled again, without
 * the processor, with every lint warning on and {@code -Werror}, so a warning in generated
 * code fails the test as an error would.
 */
class GeneratedSourceCompilesTest {

    static List<String> goodFixtures() {
        return Fixtures.cases("good");
    }

    /**
     * The only lint warning allowed with the processor: javac's notice that no processor claims
     * the standard {@code @Generated} on the generated class (the Betty annotations are claimed).
     */
    static void assertOnlyGeneratedIsUnclaimed(Compilation compilation) {
        for (Diagnostic<? extends JavaFileObject> w : compilation.warnings()) {
            assertEquals("No processor claimed any of these annotations: java.compiler/"
                    + "javax.annotation.processing.Generated", w.getMessage(Locale.ROOT));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodFixtures")
    void generatedSourceCompilesWithWerror(String name) {
        Fixtures.Fixture fixture = Fixtures.load("good/" + name);
        Compilation processed = javac().withProcessors(new BettyProcessor()).withOptions("-Xlint:all")
                .compile(fixture.sources());
        assertThat(processed).succeeded();
        assertOnlyGeneratedIsUnclaimed(processed);
        List<JavaFileObject> generated = processed.generatedSourceFiles();
        assertFalse(generated.isEmpty(), name + " generated no source");

        List<JavaFileObject> sources = new ArrayList<>(fixture.sources());
        sources.addAll(generated);
        Compilation strict = javac().withOptions("-proc:none", "-Xlint:all", "-Werror").compile(sources);
        assertThat(strict).succeededWithoutWarnings();
    }
}
