package org.betty4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaFileObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The generated wiring, character for character, against reviewed golden files under
 * {@code src/test/resources/golden/<Case>/<Engine>.java}. After an intended change to the
 * generator, regenerate them with
 * {@code mvn -pl processor test -Dbetty.regenerateGoldens=true} and review the diff.
 */
class GoldenFilesTest {

    private static final boolean REGENERATE = Boolean.getBoolean("betty.regenerateGoldens");

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "TwoLevel, good.twolevel.MetaWeightNetEngine",
        "ThreeLevel, good.threelevel.OuterEngine",
        "FigureOne, good.figureone.MetaEngine",
        "StepSettings, good.stepsettings.TunerEngine",
    })
    void generatedSourceMatchesGolden(String fixture, String engine) throws IOException {
        Compilation compilation = Fixtures.load("good/" + fixture).compile();
        assertThat(compilation).succeededWithoutWarnings();
        JavaFileObject generated = compilation.generatedSourceFile(engine)
                .orElseThrow(() -> new AssertionError("no generated " + engine));
        String actual = generated.getCharContent(true).toString();
        String golden = "golden/" + fixture + "/" + engine.substring(engine.lastIndexOf('.') + 1) + ".java";
        Path source = Path.of("src/test/resources").resolve(golden);
        if (REGENERATE) {
            Files.createDirectories(source.getParent());
            Files.writeString(source, actual, StandardCharsets.UTF_8);
        }
        // read the source tree's copy when it is there (regenerated just now, or edited by hand)
        Path goldenFile = Files.exists(source) ? source : Fixtures.resource(golden);
        String expected = Files.readString(goldenFile, StandardCharsets.UTF_8);
        assertEquals(expected, actual, "generated " + engine + " differs from " + golden
                + "; if the change is intended, regenerate with -Dbetty.regenerateGoldens=true and review the diff");
    }

    /** The same program compiled twice yields the same source (nothing depends on hash or time). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"FigureOne, good.figureone.MetaEngine"})
    void generationIsDeterministic(String fixture, String engine) throws IOException {
        String first = Fixtures.load("good/" + fixture).compile().generatedSourceFile(engine).orElseThrow()
                .getCharContent(true).toString();
        String second = Fixtures.load("good/" + fixture).compile().generatedSourceFile(engine).orElseThrow()
                .getCharContent(true).toString();
        assertEquals(first, second);
    }
}
