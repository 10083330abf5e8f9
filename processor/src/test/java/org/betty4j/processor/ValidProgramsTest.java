package org.betty4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.testing.compile.Compilation;
import java.util.List;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.junit.jupiter.api.Test;

/**
 * Valid programs compile, their generated wiring compiles against the real runtime, and the
 * {@link Program} it builds (which re-checks every edge and derives the paths) has the expected paths,
 * order and settings. Expected paths are worked out by hand from the fixtures' annotations.
 */
class ValidProgramsTest {

    @Test
    void twoLevelProgramHasOnePathThroughTheClassifier() {
        Compilation compilation = Fixtures.load("good/TwoLevel").compile();
        assertThat(compilation).succeededWithoutWarnings();
        GeneratedClasses classes = new GeneratedClasses(compilation);
        String engine = "good.twolevel.MetaWeightNetEngine";

        assertEquals(List.of("Classifier", "MetaWeightNet"), classes.staticField(engine, "EXECUTION_ORDER"));
        Program program = (Program) classes.callStatic(engine, "program");
        assertEquals("MetaWeightNet", program.name());
        assertEquals(List.of("Classifier"), program.leaves());
        assertEquals(List.of(List.of("MetaWeightNet", "Classifier", "MetaWeightNet")), program.pathsOf("MetaWeightNet"));
        assertEquals(List.of(new Program.Edge("MetaWeightNet", "Classifier")), program.upperToLower());
        assertEquals(List.of(new Program.Edge("Classifier", "MetaWeightNet")), program.lowerToUpper());
        // the classifier lies on the path, so it is differentiated through with AID_FD's defaults
        assertEquals(HypergradConfig.defaults(HypergradMethod.AID_FD), program.problem("Classifier").hypergrad());
    }

    @Test
    void threeLevelProgramHasAPathForEachUpperToLowerEdge() {
        Compilation compilation = Fixtures.load("good/ThreeLevel").compile();
        assertThat(compilation).succeededWithoutWarnings();
        GeneratedClasses classes = new GeneratedClasses(compilation);
        String engine = "good.threelevel.OuterEngine";

        assertEquals(List.of("Inner", "Middle", "Outer"), classes.staticField(engine, "EXECUTION_ORDER"));
        // Middle -> Inner comes back through Inner -> Middle; Outer -> Inner through Inner -> Middle -> Outer
        Program program = (Program) classes.callStatic(engine, "program");
        assertEquals(List.of(List.of("Outer", "Middle", "Inner", "Outer")), program.pathsOf("Outer"));
        assertEquals(List.of(List.of("Middle", "Inner", "Middle")), program.pathsOf("Middle"));
        assertEquals(5, program.problem("Inner").unrollSteps());
        assertEquals(2, program.problem("Middle").unrollSteps());
        assertEquals(new HypergradConfig(HypergradMethod.AID_CG, HypergradMethod.AID_CG.defaultAlpha(), 4, false),
                program.problem("Inner").hypergrad());
        assertEquals(HypergradConfig.defaults(HypergradMethod.AID_FD), program.problem("Middle").hypergrad());
    }

    @Test
    void figureOneProgramHasTwoPathsFromTheTopToTheBaseOptimum() {
        Compilation compilation = Fixtures.load("good/FigureOne").compile();
        assertThat(compilation).succeededWithoutWarnings();
        GeneratedClasses classes = new GeneratedClasses(compilation);
        Program program = (Program) classes.callStatic("good.figureone.MetaEngine", "program");

        assertEquals(List.of("Base", "Left", "Right", "Meta"), classes.staticField("good.figureone.MetaEngine", "EXECUTION_ORDER"));
        // Meta -> Base (Base's @Upper Meta) comes back through either level-2 problem
        assertEquals(List.of(List.of("Meta", "Left", "Base", "Meta"), List.of("Meta", "Right", "Base", "Meta")),
                program.pathsOf("Meta"));
        assertEquals(java.math.BigInteger.TWO, program.pathCount("Meta"));
        assertEquals(java.util.Set.of("Base", "Left", "Right"), program.differentiatedThrough());
        assertEquals(List.of("Base"), program.leaves());
        assertEquals(List.of("Left", "Right"), program.lowersOf("Meta"));
        assertEquals(new HypergradConfig(HypergradMethod.AID_NEUMANN, 0.05, 5, false), program.problem("Base").hypergrad());
        assertEquals(new HypergradConfig(HypergradMethod.ITD_RMAD, 0.0, 0, true), program.problem("Right").hypergrad());
        assertEquals(3, program.problem("Left").unrollSteps());
    }

    @Test
    void singleProblemIsAOneLevelProgramWithoutPaths() {
        Compilation compilation = Fixtures.load("good/Single").compile();
        assertThat(compilation).succeededWithoutWarnings();
        GeneratedClasses classes = new GeneratedClasses(compilation);
        Program program = (Program) classes.callStatic("good.single.PlainEngine", "program");
        assertEquals(List.of("Plain"), program.leaves());
        assertEquals(List.of(), program.pathsOf("Plain"));
        assertEquals(java.math.BigInteger.ZERO, program.pathCount("Plain"));
    }

    @Test
    void stepSettingsOfLevelReachTheProblemNodes() {
        Compilation compilation = Fixtures.load("good/StepSettings").compile();
        assertThat(compilation).succeededWithoutWarnings();
        Program program = (Program) new GeneratedClasses(compilation).callStatic("good.stepsettings.TunerEngine", "program");
        ProblemNode learner = program.problem("Learner");
        assertEquals(10, learner.warmupSteps());
        assertEquals(4, learner.gradientAccumulation());
        assertEquals(2.5, learner.clipGradNorm());
        assertEquals(2, learner.unrollSteps());
        ProblemNode tuner = program.problem("Tuner");
        assertEquals(0, tuner.warmupSteps());
        assertEquals(1, tuner.gradientAccumulation());
        assertEquals(1.0, tuner.clipGradNorm());
    }
}
