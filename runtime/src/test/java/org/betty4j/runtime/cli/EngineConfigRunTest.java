package org.betty4j.runtime.cli;

import static org.betty4j.runtime.cli.ProgramMainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.ParameterList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.EarlyStopping;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.metrics.MetricsFile;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;
import org.betty4j.runtime.problem.Validating;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validation, early stopping and the hypergradient method set from {@link EngineConfig}, with no
 * command line, and the same settings given to the command line.
 *
 * <p>The bilevel program: lower {@code w} (w₀ = 0, SGD 0.25) with cost {@code (w − λ)²}, upper
 * {@code λ} (λ₀ = 1, SGD 0.125) with cost {@code w²}, unroll 1. After the first lower step
 * w₁ = 0.5; then {@code H = ∂²L/∂w² = 2}, {@code ∂²L/∂λ∂w = −2}, {@code v = ∂U/∂w = 2w₁ = 1}, and
 * the hypergradient {@code −(∂²L/∂λ∂w)·x} is {@code 2x} with x = v (AID_FD, H ≈ I): 2;
 * x = H⁻¹v = 0.5 (AID_CG, exact after one iteration in one dimension): 1; x = α(1 + (1 − αH))v
 * = 0.375 (AID_NEUMANN, α = 0.25, k = 1): 0.75. λ₁ = 1 − 0.125·g: 0.75, 0.875, 0.90625. Float64
 * arithmetic on numbers exact in binary; AID_FD's central difference is exact on a quadratic up to rounding, hence 1e-9.
 */
class EngineConfigRunTest {

    private static final double TOLERANCE = 1e-9;

    /** One float64 scalar with plain SGD; validates to {@code {"x": value}}. */
    static final class Scalar implements Trainable, Validating {
        private final double initial;
        private final float learningRate;
        NDArray x;
        private Optimizer optimizer;

        Scalar(double initial, float learningRate) {
            this.initial = initial;
            this.learningRate = learningRate;
        }

        @Override
        public void setUp(ProblemContext context) {
            x = context.manager().create(new double[] {initial});
            optimizer = Sgd.builder().setLearningRate(learningRate).build();
        }

        @Override
        public ParameterList parameters() {
            return ParameterLists.of("x", x);
        }

        @Override
        public Optimizer optimizer() {
            return optimizer;
        }

        @Override
        public Map<String, Double> validate() {
            return Map.of("x", x.toDoubleArray()[0]);
        }
    }

    /** The program of the class comment; its own method for Low is AID_FD. */
    static Program bilevel() {
        Scalar low = new Scalar(0, 0.25f);
        Scalar up = new Scalar(1, 0.125f);
        return Program.builder("Scalars")
                .problem(ProblemNode.builder("Low", 1, low).costFunction(b -> Cost.of(low.x.sub(up.x).square().sum()))
                        .optHypergrad(HypergradConfig.defaults(HypergradMethod.AID_FD)).build())
                .problem(ProblemNode.builder("Up", 2, up).costFunction(b -> Cost.of(low.x.square().sum())).build())
                .upperToLower("Up", "Low")
                .lowerToUpper("Low", "Up")
                .path("Up", "Low", "Up")
                .build();
    }

    /** λ after one global step (one lower step, then one upper step) under {@code config}. */
    private static double upperAfterOneStep(EngineConfig.Builder config) {
        try (Engine engine = new Engine(bilevel(), config.optIterations(1).build())) {
            engine.run();
            assertEquals(1, engine.localSteps("Up"));
            return engine.parameters("Up").get(0).toDoubleArray()[0];
        }
    }

    @Test
    void methodFromEngineConfigChangesTheHypergradient() {
        assertEquals(0.75, upperAfterOneStep(EngineConfig.builder()), TOLERANCE, "the program's AID_FD");
        assertEquals(0.875, upperAfterOneStep(EngineConfig.builder()
                .optHypergrad("Low", new HypergradConfig(HypergradMethod.AID_CG, 1.0, 1, false))), TOLERANCE, "AID_CG");
        assertEquals(0.90625, upperAfterOneStep(EngineConfig.builder()
                .optHypergrad("Low", new HypergradConfig(HypergradMethod.AID_NEUMANN, 0.25, 1, false))), TOLERANCE,
                "AID_NEUMANN");
        try (Engine engine = new Engine(bilevel(), EngineConfig.builder()
                .optHypergrad("Low", HypergradConfig.defaults(HypergradMethod.ITD_RMAD)).build())) {
            assertEquals("ITD_RMAD", engine.program().problem("Low").hypergrad().method().name(),
                    "the engine runs the program with the method of its configuration");
        }
    }

    @Test
    void badMethodSettingsAreRefusedWithTheCataloguesMessage() {
        // the rule catalogue's message, word for word the one of --alpha
        IllegalArgumentException alpha = assertThrows(IllegalArgumentException.class,
                () -> new HypergradConfig(HypergradMethod.AID_CG, -1, 3, false));
        assertEquals("AID_CG: alpha must be finite and positive, got -1.0", alpha.getMessage());
        ProgramMainTest.Run cli = run(EngineConfigRunTest::bilevel, "--method", "Low=AID_CG", "--alpha", "Low=-1");
        assertEquals(ProgramMain.BAD_OPTIONS, cli.exitCode());
        assertTrue(cli.err().contains("alpha must be finite and positive"), cli.err());

        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> new Engine(bilevel(),
                EngineConfig.builder().optHypergrad("Mid", HypergradConfig.defaults(HypergradMethod.AID_CG)).build()));
        assertTrue(unknown.getMessage().contains("program Scalars has no problem named 'Mid'; its problems are Low, Up"),
                unknown.getMessage());
        IllegalArgumentException offPath = assertThrows(IllegalArgumentException.class, () -> new Engine(bilevel(),
                EngineConfig.builder().optHypergrad("Up", HypergradConfig.defaults(HypergradMethod.AID_CG)).build()));
        assertTrue(offPath.getMessage().contains("Up lies on no backpropagation path"), offPath.getMessage());
        ProgramMainTest.Run cliOffPath = run(EngineConfigRunTest::bilevel, "--method", "Up=AID_CG");
        assertEquals(ProgramMain.BAD_OPTIONS, cliOffPath.exitCode());
        assertTrue(cliOffPath.err().contains("Up lies on no backpropagation path"), cliOffPath.err());
    }

    /**
     * From code: validations every 2 global steps of the lower w, which rises towards λ, while λ
     * falls (its hypergradient 2·w·… is positive for w > 0). Early stopping on Up.x:max:2 sees its
     * best at the first validation (step 2) and none better at steps 4 and 6: the run stops after
     * global step 6 of 20.
     */
    @Test
    void fromCodeTheEngineValidatesEveryNStepsAndStopsEarly() {
        List<String> validations = new ArrayList<>();
        EngineConfig config = EngineConfig.builder().optIterations(20).optValidateEvery(2)
                .optEarlyStopping(EarlyStopping.parse("Up.x:max:2")).build();
        try (Engine engine = new Engine(bilevel(), config)) {
            engine.addListener(new EngineListener() {
                @Override
                public void onValidation(int globalStep, String problem, Map<String, Double> metrics) {
                    validations.add(globalStep + " " + problem + " " + metrics.keySet());
                }
            });
            engine.run();
            assertEquals(6, engine.globalStep());
            assertEquals(6, engine.localSteps("Low"));
            assertTrue(engine.stopReason().orElseThrow().startsWith("early stopping: Up.x has not improved for 2"
                    + " validation(s); best max = "), engine.stopReason().orElseThrow());
            assertTrue(engine.stopReason().orElseThrow().endsWith(" at global step 2"), engine.stopReason().get());
        }
        assertEquals(List.of("2 Low [x]", "2 Up [x]", "4 Low [x]", "4 Up [x]", "6 Low [x]", "6 Up [x]"), validations);

        // without a stop: every 4 steps and once more at the end (step 10 is not a multiple of 4)
        List<Integer> steps = new ArrayList<>();
        try (Engine engine = new Engine(ProgramMainTest.solo(true), EngineConfig.builder().optIterations(10)
                .optValidateEvery(4).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onValidation(int globalStep, String problem, Map<String, Double> metrics) {
                    steps.add(globalStep);
                }
            });
            engine.run();
            assertTrue(engine.stopReason().isEmpty());
        }
        assertEquals(List.of(4, 8, 10), steps);
    }

    @Test
    void settingsThatCannotWorkAreRefusedBeforeTheRun() {
        IllegalArgumentException noValidations = assertThrows(IllegalArgumentException.class,
                () -> EngineConfig.builder().optEarlyStopping(EarlyStopping.parse("Up.x:max:2")).build());
        assertTrue(noValidations.getMessage().contains("needs validations"), noValidations.getMessage());
        IllegalArgumentException notValidating = assertThrows(IllegalArgumentException.class, () -> new Engine(
                bilevel(), EngineConfig.builder().optValidateEvery(1).optEarlyStopping(EarlyStopping.parse("Mid.x:min:1"))
                        .build()));
        assertTrue(notValidating.getMessage().contains("program Scalars has no problem 'Mid' that implements Validating;"
                + " these do: Low, Up"), notValidating.getMessage());
    }

    /** The command line and EngineConfig, given the same settings, write byte-identical metrics files. */
    @Test
    void commandLineAndEngineConfigWriteIdenticalMetricsFiles(@TempDir Path dir) throws IOException {
        Path fromCli = dir.resolve("cli.jsonl");
        ProgramMainTest.Run cli = run(EngineConfigRunTest::bilevel, "--global-steps", "20", "--log-every", "0",
                "--validate-every", "2", "--early-stop", "Up.x:max:2", "--method", "Low=AID_NEUMANN", "--alpha",
                "Low=0.25", "--iterations-of", "Low=1", "--metrics-file", fromCli.toString());
        assertEquals(ProgramMain.OK, cli.exitCode(), cli.err());

        Path fromCode = dir.resolve("code.jsonl");
        EngineConfig config = EngineConfig.builder().optIterations(20).optValidateEvery(2)
                .optEarlyStopping(EarlyStopping.parse("Up.x:max:2"))
                .optHypergrad("Low", new HypergradConfig(HypergradMethod.AID_NEUMANN, 0.25, 1, false)).build();
        try (Engine engine = new Engine(bilevel(), config); MetricsFile metrics = new MetricsFile(fromCode)) {
            engine.addListener(metrics);
            engine.run();
        }
        List<String> lines = Files.readAllLines(fromCode);
        assertEquals(6 * 2 + 3 * 2, lines.size(), "6 steps of 2 problems, 3 validations of 2 problems: " + lines);
        assertTrue(lines.get(1).contains("\"problem\":\"Up\"") && lines.get(1).contains("\"loss\":0.25"),
                "Up's first loss is w₁² = 0.25: " + lines.get(1));
        assertEquals(Files.readString(fromCli), Files.readString(fromCode));
    }
}
