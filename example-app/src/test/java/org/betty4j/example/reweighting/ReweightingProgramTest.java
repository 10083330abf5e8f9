package org.betty4j.example.reweighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier.Evaluation;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.problem.Cost;
import org.junit.jupiter.api.Test;

/** The generated Meta-Weight-Net program, compiled by the real processor and run on the embedded data. */
class ReweightingProgramTest {

    @Test
    void generatedWiringHasTheExpectedOrderAndPath() {
        assertEquals(List.of("Classifier", "MetaWeightNet"), MetaWeightNetEngine.EXECUTION_ORDER);
        // the wiring holds edges only; the program derives the one path from them
        assertEquals(List.of(List.of("MetaWeightNet", "Classifier", "MetaWeightNet")),
                MetaWeightNetEngine.program().pathsOf("MetaWeightNet"));
    }

    @Test
    void shortRunTrainsBothLevelsAndLearns() {
        List<Double> metaLosses = new ArrayList<>();
        float[][] mwnBefore = new float[1][];
        Evaluation[] evaluation = new Evaluation[1];
        float[][] weightFunction = new float[1][];
        try (Engine engine = MetaWeightNetEngine.create(EngineConfig.builder().optIterations(150).optSeed(3).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onRunStart(Engine e) {
                    mwnBefore[0] = e.parameters("MetaWeightNet").get(0).toFloatArray();
                }

                @Override
                public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
                    if (problem.name().equals("MetaWeightNet")) {
                        metaLosses.add(loss);
                    }
                }

                @Override
                public void onRunEnd(Engine e) {
                    Classifier classifier = (Classifier) e.program().problem("Classifier").trainable();
                    MetaWeightNet mwn = (MetaWeightNet) e.program().problem("MetaWeightNet").trainable();
                    try (NDManager m = NDManager.newBaseManager()) {
                        evaluation[0] = classifier.model().evaluate(ExperimentData.load(null).test(), m);
                        weightFunction[0] = mwn.weights(m.create(new float[] {0.05f, 0.5f, 3f})).toFloatArray();
                    }
                }
            });
            engine.run();
            assertEquals(150, engine.localSteps("Classifier"));
            assertEquals(150, engine.localSteps("MetaWeightNet"));
            // the hypergradient reached the weighting net
            assertNotEquals(java.util.Arrays.toString(mwnBefore[0]),
                    java.util.Arrays.toString(engine.parameters("MetaWeightNet").get(0).toFloatArray()));
        }
        double firstMeta = metaLosses.subList(0, 10).stream().mapToDouble(d -> d).average().orElseThrow();
        double lastMeta = metaLosses.subList(140, 150).stream().mapToDouble(d -> d).average().orElseThrow();
        assertTrue(lastMeta < 0.6 * firstMeta, "meta loss should fall: first " + firstMeta + ", last " + lastMeta);
        // what reweighting is for: the meta gradient teaches the net to weight hard (high-loss,
        // mostly tail-class) samples more; it starts flat at 0.5
        assertTrue(weightFunction[0][0] < weightFunction[0][1] && weightFunction[0][1] < weightFunction[0][2],
                "learned weights should increase with the loss: " + java.util.Arrays.toString(weightFunction[0]));
        // chance is 10%; 150 steps of an MLP on the long-tailed set reach well above 50%
        assertTrue(evaluation[0].overall() > 0.5, "test accuracy " + evaluation[0].overall());
    }

    @Test
    void generatedMainPrintsTheGraphAndRejectsBadOptions() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProgramMain.run(MetaWeightNetEngine::program, new String[] {"--graph", "--paths", "5"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("MetaWeightNet -> Classifier -> MetaWeightNet"), out.toString());

        StringWriter err2 = new StringWriter();
        int bad = ProgramMain.run(MetaWeightNetEngine::program, new String[] {"--iterations", "many"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(err2, true));
        assertNotEquals(0, bad);
        assertTrue(err2.toString().contains("many"), err2.toString());
        assertTrue(!err2.toString().contains("\tat "), "no stack trace: " + err2);
    }

    /**
     * ITD_RMAD chosen from the generated main on the real program: the example's Sgd (momentum,
     * weight decay, cosine schedule) is differentiable, so 10 hypergradients through 2 recorded
     * updates of the MLP each run; with clipping, the same choice is refused with the reason.
     */
    @Test
    void generatedMainRunsTheProgramWithItdRmadAndRefusesItWithClipping() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProgramMain.run(MetaWeightNetEngine::program, new String[] {"--iterations", "20", "--method",
            "Classifier=ITD_RMAD", "--unroll", "Classifier=2"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());

        StringWriter err2 = new StringWriter();
        int refused = ProgramMain.run(MetaWeightNetEngine::program, new String[] {"--iterations", "20", "--method",
            "Classifier=ITD_RMAD", "--clip", "Classifier=5"}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err2, true));
        assertNotEquals(0, refused);
        assertTrue(err2.toString().contains("Classifier: ITD_RMAD cannot differentiate through gradient clipping"),
                err2.toString());
        assertTrue(!err2.toString().contains("\tat "), "no stack trace: " + err2);
    }
}
