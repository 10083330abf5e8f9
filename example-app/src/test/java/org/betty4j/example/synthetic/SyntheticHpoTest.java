package org.betty4j.example.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.betty4j.annotations.HypergradMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthetic bilevel problem: its closed-form optimum, and the quick mode of the method study. */
class SyntheticHpoTest {

    /**
     * θ* is a stationary point of the exact upper objective (central differences, step 1e-5,
     * gradient norm below 1e-6) and a minimum (f rises along random directions), and the best
     * response satisfies the lower problem's normal equations.
     */
    @Test
    void closedFormOptimumIsTheMinimumOfTheUpperObjective() {
        RidgeData data = new RidgeData(8, 20, 60, 1.0, 3);
        double[] star = data.thetaStar();
        double f = data.upperObjective(star);
        assertEquals(data.optimalUpperObjective(), f, 1e-12);
        double norm = 0;
        for (int j = 0; j < star.length; j++) {
            double[] plus = star.clone();
            double[] minus = star.clone();
            plus[j] += 1e-5;
            minus[j] -= 1e-5;
            double g = (data.upperObjective(plus) - data.upperObjective(minus)) / 2e-5;
            norm += g * g;
        }
        assertTrue(Math.sqrt(norm) < 1e-6, "gradient at θ*: " + Math.sqrt(norm));
        java.util.Random r = new java.util.Random(1);
        for (int k = 0; k < 5; k++) {
            double[] t = star.clone();
            for (int j = 0; j < t.length; j++) {
                t[j] += 0.1 * r.nextGaussian();
            }
            assertTrue(data.upperObjective(t) > f);
        }
        // lower optimality: Xᵀ(Xw − y)/n + μ(w − θ) = 0 at w*(θ)
        double[] theta = new double[8];
        java.util.Arrays.fill(theta, 0.3);
        double[] w = data.bestResponse(theta);
        for (int j = 0; j < 8; j++) {
            double g = data.mu * (w[j] - theta[j]);
            for (int i = 0; i < data.trainRows; i++) {
                g += data.xTrain[i][j] * (RidgeData.dot(data.xTrain[i], w) - data.yTrain[i]) / data.trainRows;
            }
            assertEquals(0, g, 1e-10);
        }
    }

    /** Every method moves θ towards θ*: after 15 upper steps it is less than half as far as at the start. */
    @Test
    void quickModeConvergesWithEveryMethodAndWritesThePlots(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        SyntheticHpoApp app = new SyntheticHpoApp(new PrintWriter(out, true));
        app.upperSteps = 15;
        app.features = 10;
        for (HypergradMethod m : List.of(HypergradMethod.AID_FD, HypergradMethod.AID_CG, HypergradMethod.AID_NEUMANN,
                HypergradMethod.ITD_RMAD)) {
            SyntheticHpoApp.Trace t = app.run(m, 2);
            assertEquals(15, t.distance().length);
            assertTrue(SyntheticHpoApp.last(t.distance()) < 0.5 * t.initialDistance(),
                    m + ": " + SyntheticHpoApp.last(t.distance()) + " vs start " + t.initialDistance());
            assertTrue(SyntheticHpoApp.last(t.gap()) < t.initialGap(), m.toString());
        }
        int code = SyntheticHpoApp.execute(new String[] {"--seeds", "1", "--upper-steps", "5", "--features", "6",
            "--methods", "AID_CG,ITD_RMAD", "--results", dir.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        assertTrue(Files.readString(dir.resolve("RESULTS.md")).contains("| ITD_RMAD |"));
        assertTrue(Files.size(dir.resolve("convergence-vs-steps.png")) > 1000);
        assertTrue(Files.size(dir.resolve("convergence-vs-time.png")) > 1000);
    }
}
