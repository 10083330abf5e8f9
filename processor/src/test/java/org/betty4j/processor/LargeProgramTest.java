package org.betty4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.JavaFileObject;
import org.betty4j.processor.generate.EngineGenerator;
import org.betty4j.runtime.engine.Program;
import org.junit.jupiter.api.Test;

/**
 * A program larger than one generated method may hold: a fan of 300 problems (a top reading
 * the optimum of 299 lowers, each reading the top's parameters). Its wiring is split into
 * methods of at most {@link EngineGenerator#CHUNK} statements, compiles without warnings, and
 * builds the program with every problem and edge.
 */
class LargeProgramTest {

    private static final int LOWERS = 299;

    @Test
    void largeProgramIsWiredInChunksThatCompileAndBuildTheWholeGraph() throws IOException {
        List<JavaFileObject> sources = new ArrayList<>();
        StringBuilder top = new StringBuilder("package large;\nimport org.betty4j.annotations.*;\n"
                + "@Level(2)\npublic class Top extends org.betty4j.processor.testing.TrainableStub {\n");
        for (int i = 0; i < LOWERS; i++) {
            String name = String.format(Locale.ROOT, "L%03d", i);
            sources.add(JavaFileObjects.forSourceString("large." + name, "package large;\n"
                    + "import org.betty4j.annotations.*;\n"
                    + "@Level(1)\npublic class " + name + " extends org.betty4j.processor.testing.TrainableStub {\n"
                    + "    @Upper Top top;\n"
                    + "    @TrainingStep public ai.djl.ndarray.NDArray step(ai.djl.training.dataset.Batch b) {"
                    + " return b.getData().head(); }\n}\n"));
            top.append("    @Lower ").append(name).append(' ').append(name.toLowerCase(Locale.ROOT)).append(";\n");
        }
        top.append("    @TrainingStep public ai.djl.ndarray.NDArray step(ai.djl.training.dataset.Batch b) {"
                + " return b.getData().head(); }\n}\n");
        sources.add(JavaFileObjects.forSourceString("large.Top", top.toString()));

        Compilation compilation = com.google.testing.compile.Compiler.javac()
                .withProcessors(new BettyProcessor()).withOptions("-Xlint:all").compile(sources);
        assertThat(compilation).succeeded();
        GeneratedSourceCompilesTest.assertOnlyGeneratedIsUnclaimed(compilation);
        String generated = compilation.generatedSourceFile("large.TopEngine").orElseThrow()
                .getCharContent(false).toString();
        // 300 problems and 299 + 299 edges: two methods each, and for the holder's 300 + 299 statements
        for (String method : List.of("problems0(", "problems1(", "upperToLower0(", "upperToLower1(",
                "lowerToUpper0(", "lowerToUpper1(", "construct0(", "construct1(", "wire0(", "wire1(")) {
            assertTrue(generated.contains("void " + method), method + " missing");
        }
        assertFalse(generated.contains("problems2("));
        assertEquals(List.of(), methodsLongerThan(generated, EngineGenerator.CHUNK + 2));

        Program program = (Program) new GeneratedClasses(compilation).callStatic("large.TopEngine", "program");
        assertEquals(LOWERS + 1, program.problems().size());
        assertEquals(LOWERS, program.upperToLower().size());
        assertEquals(LOWERS, program.lowerToUpper().size());
        assertEquals(BigInteger.valueOf(LOWERS), program.pathCount("Top"));
    }

    /** Names of methods whose body has more than {@code lines} lines (the generated code is one statement a line). */
    private static List<String> methodsLongerThan(String source, int lines) {
        List<String> out = new ArrayList<>();
        String[] all = source.split("\n");
        for (int i = 0; i < all.length; i++) {
            String line = all[i];
            if (line.startsWith("    ") && line.trim().endsWith(") {") && !line.trim().startsWith("//")) {
                String indent = line.substring(0, line.length() - line.stripLeading().length());
                int end = i + 1;
                while (end < all.length && !all[end].equals(indent + "}")) {
                    end++;
                }
                if (end - i - 1 > lines) {
                    out.add(line.trim());
                }
            }
        }
        return out;
    }
}
