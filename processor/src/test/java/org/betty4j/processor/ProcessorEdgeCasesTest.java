package org.betty4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;
import org.betty4j.annotations.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Situations beyond one fixture: the class path, several programs in one compile, the catch-all. */
class ProcessorEdgeCasesTest {

    @Test
    void missingRuntimeIsOneErrorSayingToAddTheDependency() throws URISyntaxException {
        File annotationsOnly = new File(Level.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        JavaFileObject a = JavaFileObjects.forSourceLines("p.A",
                "package p;",
                "@org.betty4j.annotations.Level(1)",
                "public class A {}");
        JavaFileObject b = JavaFileObjects.forSourceLines("p.B",
                "package p;",
                "@org.betty4j.annotations.Level(2)",
                "public class B {}");
        Compilation compilation = javac().withProcessors(new BettyProcessor())
                .withClasspath(List.of(annotationsOnly))
                .compile(a, b);
        assertThat(compilation).failed();
        assertThat(compilation).hadErrorCount(1);
        assertThat(compilation).hadErrorContaining("add the dependency org.betty4j:betty4j-runtime")
                .inFile(a).onLine(2);
    }

    /**
     * A top problem class whose name leaves no room for {@code Engine.java} in a 255-byte file
     * name: one error naming the limit and the fix, instead of a failed file write.
     */
    @Test
    void engineFileNameOverTheFileSystemLimitIsOneErrorNamingIt() {
        String top = "T".repeat(246);
        JavaFileObject source = JavaFileObjects.forSourceLines("p." + top,
                "package p;",
                "import org.betty4j.annotations.*;",
                "@Level(value = 1, name = \"Top\")",
                "public class " + top + " extends org.betty4j.processor.testing.TrainableStub {",
                "    @TrainingStep public ai.djl.ndarray.NDArray step(ai.djl.training.dataset.Batch b) { return null; }",
                "}");
        Compilation compilation = javac().withProcessors(new BettyProcessor()).compile(source);
        assertThat(compilation).hadErrorCount(1);
        assertThat(compilation).hadErrorContaining("needs a file name of 257 bytes (" + top + "Engine.java); file"
                + " systems allow 255. Fix: give the top problem class a shorter name.").inFile(source).onLine(3);
    }

    /** Two broken programs and a valid one in one compile: both errors reported, none about the valid one. */
    @Test
    void everyProgramOfACompileIsCheckedOnItsOwn() {
        Fixtures.Fixture noStep = Fixtures.load("bad/NoTrainingStep");
        Fixtures.Fixture levelZero = Fixtures.load("bad/LevelZero");
        Fixtures.Fixture valid = Fixtures.load("good/TwoLevel");
        List<JavaFileObject> sources = new ArrayList<>(noStep.sources());
        sources.addAll(levelZero.sources());
        sources.addAll(valid.sources());
        Compilation compilation = javac().withProcessors(new BettyProcessor()).compile(sources);
        assertThat(compilation).hadErrorCount(2);
        assertThat(compilation).hadErrorContaining("Problem A has no @TrainingStep method")
                .inFile(noStep.markers().get(0).file()).onLine(noStep.markers().get(0).line());
        assertThat(compilation).hadErrorContaining("Problem A has level 0")
                .inFile(levelZero.markers().get(0).file()).onLine(levelZero.markers().get(0).line());
        // the valid program is not blamed for its neighbours' mistakes
        for (javax.tools.Diagnostic<? extends JavaFileObject> d : compilation.errors()) {
            assertFalse(valid.sources().contains(d.getSource()), "error in the valid program: " + d);
        }
    }

    /**
     * Code javac itself rejects (an unknown constant in {@code @Level}, unknown types in a
     * dependency and a training-step signature) gets javac's errors only: the processor neither
     * repeats them nor fails on the unreadable values.
     */
    @Test
    void javacsOwnErrorsAreNotRepeatedOrTurnedIntoProcessorFailures() {
        JavaFileObject unknownLevel = JavaFileObjects.forSourceLines("p.A",
                "package p;",
                "import org.betty4j.annotations.*;",
                "@Level(value = NOPE)",
                "public class A extends org.betty4j.processor.testing.TrainableStub {",
                "    @TrainingStep public ai.djl.ndarray.NDArray step(ai.djl.training.dataset.Batch b) { return null; }",
                "}");
        JavaFileObject unknownTypes = JavaFileObjects.forSourceLines("q.B",
                "package q;",
                "import org.betty4j.annotations.*;",
                "@Level(1)",
                "public class B extends org.betty4j.processor.testing.TrainableStub {",
                "    @Upper Missing m;",
                "    @TrainingStep public NDArrayy step(ai.djl.training.dataset.Batch b) { return null; }",
                "}");
        Compilation compilation = javac().withProcessors(new BettyProcessor()).compile(unknownLevel, unknownTypes);
        assertThat(compilation).hadErrorCount(3);
        assertThat(compilation).hadErrorContaining("cannot find symbol").inFile(unknownLevel).onLine(3);
        assertThat(compilation).hadErrorContaining("cannot find symbol").inFile(unknownTypes).onLine(5);
        assertThat(compilation).hadErrorContaining("cannot find symbol").inFile(unknownTypes).onLine(6);
    }

    /**
     * A problem of the same package that comes from a class file (compiled earlier) cannot be
     * part of the program generated now: one error at the dependency.
     */
    @Test
    void dependencyOnAProblemFromAClassFileIsRejected(@TempDir Path classes) throws IOException {
        JavaFileObject upper = JavaFileObjects.forSourceLines("p.B",
                "package p;",
                "import org.betty4j.annotations.*;",
                "@Level(2)",
                "public class B extends org.betty4j.processor.testing.TrainableStub {",
                "    @TrainingStep public ai.djl.ndarray.NDArray step(ai.djl.training.dataset.Batch b) { return null; }",
                "}");
        Compilation first = javac().compile(upper); // no processor: just B.class
        assertThat(first).succeeded();
        for (JavaFileObject f : first.generatedFiles()) {
            if (f.getKind() == JavaFileObject.Kind.CLASS) {
                Path target = classes.resolve("p").resolve(Path.of(f.toUri().getPath()).getFileName().toString());
                Files.createDirectories(target.getParent());
                try (InputStream in = f.openInputStream()) {
                    Files.copy(in, target);
                }
            }
        }
        JavaFileObject lower = JavaFileObjects.forSourceLines("p.A",
                "package p;",
                "import org.betty4j.annotations.*;",
                "@Level(1)",
                "public class A extends org.betty4j.processor.testing.TrainableStub {",
                "    @Upper B b;",
                "    @TrainingStep public ai.djl.ndarray.NDArray step(ai.djl.training.dataset.Batch b) { return null; }",
                "}");
        List<File> classpath = new ArrayList<>();
        classpath.add(classes.toFile());
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            classpath.add(new File(entry));
        }
        Compilation compilation = javac().withProcessors(new BettyProcessor()).withClasspath(classpath).compile(lower);
        assertThat(compilation).hadErrorCount(1);
        assertThat(compilation).hadErrorContaining("refers to problem p.B, which is not being compiled with this program")
                .inFile(lower).onLine(5);
    }

    /**
     * Another processor generates a {@code @Level} class in round 1; the Betty processor sees it
     * in round 2. In a package whose engine was already generated in round 1 that is an error;
     * in a package of its own it is simply a program generated in round 2.
     */
    @Test
    void problemsFromLaterRoundsAreHandled() {
        JavaFileObject first = JavaFileObjects.forSourceLines("p.A",
                "package p;",
                "import org.betty4j.annotations.*;",
                "@Level(1)",
                "public class A extends org.betty4j.processor.testing.TrainableStub {",
                "    @TrainingStep public ai.djl.ndarray.NDArray step(ai.djl.training.dataset.Batch b) { return null; }",
                "}");
        Compilation samePackage = javac().withProcessors(new BettyProcessor(), new GeneratesProblem("p"))
                .compile(first);
        assertThat(samePackage).hadErrorCount(1);
        assertThat(samePackage).hadErrorContaining("Program p gets @Level classes from a later annotation-processing round");

        Compilation otherPackage = javac().withProcessors(new BettyProcessor(), new GeneratesProblem("late"))
                .compile(first);
        assertThat(otherPackage).succeededWithoutWarnings();
        assertThat(otherPackage).generatedSourceFile("p.AEngine");
        assertThat(otherPackage).generatedSourceFile("late.LateEngine");
    }

    /** Writes a one-problem class {@code <package>.Late} in the first round. */
    @javax.annotation.processing.SupportedAnnotationTypes("*")
    private static final class GeneratesProblem extends javax.annotation.processing.AbstractProcessor {
        private final String packageName;
        private boolean done;

        GeneratesProblem(String packageName) {
            this.packageName = packageName;
        }

        @Override
        public javax.lang.model.SourceVersion getSupportedSourceVersion() {
            return javax.lang.model.SourceVersion.latestSupported();
        }

        @Override
        public boolean process(java.util.Set<? extends javax.lang.model.element.TypeElement> annotations,
                javax.annotation.processing.RoundEnvironment round) {
            if (done) {
                return false;
            }
            done = true;
            try (java.io.Writer w = processingEnv.getFiler().createSourceFile(packageName + ".Late").openWriter()) {
                w.write("package " + packageName + ";\n"
                        + "@org.betty4j.annotations.Level(1)\n"
                        + "public class Late extends org.betty4j.processor.testing.TrainableStub {\n"
                        + "  @org.betty4j.annotations.TrainingStep\n"
                        + "  public ai.djl.ndarray.NDArray step(ai.djl.training.dataset.Batch b) { return null; }\n"
                        + "}\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return false;
        }
    }

    /** An unexpected exception inside the processor becomes one error with context, not a javac crash. */
    @Test
    void unexpectedFailureIsReportedAsAnErrorWithContext() {
        Fixtures.Fixture fixture = Fixtures.load("good/TwoLevel");
        BettyProcessor failing = new BettyProcessor(program -> {
            throw new IllegalStateException("injected failure");
        });
        Compilation compilation = javac().withProcessors(failing).compile(fixture.sources());
        assertThat(compilation).failed();
        assertThat(compilation).hadErrorCount(1);
        assertThat(compilation).hadErrorContaining("Betty for Java processor failed unexpectedly while processing"
                + " program good.twolevel: java.lang.IllegalStateException: injected failure");
    }
}
