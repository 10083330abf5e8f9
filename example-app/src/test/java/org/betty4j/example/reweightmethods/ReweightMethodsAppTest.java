package org.betty4j.example.reweightmethods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quick mode of the per-method MWN study: every method trains, and the table has a row for each. */
class ReweightMethodsAppTest {

    @Test
    void quickModeWritesOneRowPerMethod(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ReweightMethodsApp.execute(new String[] {"--seeds", "1", "--steps", "30", "--methods",
            "AID_NEUMANN,ITD_RMAD", "--results", dir.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        String md = Files.readString(dir.resolve("RESULTS.md"));
        for (String row : new String[] {"| baseline |", "| AID_NEUMANN |", "| ITD_RMAD |"}) {
            assertTrue(md.contains(row), md);
        }
        byte[] png = Files.readAllBytes(dir.resolve("accuracy-per-seed.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG plot");
        // 30 steps of the MLP on the long-tailed set: far above the 10% of chance for every program
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("test accuracy (\\d+\\.\\d+)%").matcher(out.toString());
        int runs = 0;
        while (m.find()) {
            assertTrue(Double.parseDouble(m.group(1)) > 30, out.toString());
            runs++;
        }
        assertEquals(3, runs, out.toString());
    }

    /** A method the runtime stops on some seeds is reported with its reason; its mean uses the seeds that ran. */
    @Test
    void stoppedRunsAreRowsWithTheirReason() {
        ReweightMethodsApp app = new ReweightMethodsApp(new PrintWriter(new StringWriter(), true));
        app.steps = 10;
        app.methods = java.util.List.of(org.betty4j.annotations.HypergradMethod.AID_CG,
                org.betty4j.annotations.HypergradMethod.ITD_RMAD);
        java.util.List<ReweightMethodsApp.Run> runs = java.util.List.of(
                new ReweightMethodsApp.Run("baseline", 1, 0.70, Double.NaN, 5, 100, null),
                new ReweightMethodsApp.Run("baseline", 2, 0.72, Double.NaN, 5, 100, null),
                new ReweightMethodsApp.Run("AID_CG", 1, Double.NaN, Double.NaN, Double.NaN, -1, "negative curvature"),
                new ReweightMethodsApp.Run("AID_CG", 2, Double.NaN, Double.NaN, Double.NaN, -1, "negative curvature"),
                new ReweightMethodsApp.Run("ITD_RMAD", 1, Double.NaN, Double.NaN, Double.NaN, -1, "diverged"),
                new ReweightMethodsApp.Run("ITD_RMAD", 2, 0.75, 8, 10, 120, null));
        String table = app.table(runs, java.util.List.of("baseline", "AID_CG", "ITD_RMAD"));
        assertTrue(table.contains("| AID_CG | failed on every seed"), table);
        // ITD_RMAD: only seed 2 ran, 75.00 against its own baseline 72.00
        assertTrue(table.contains("| ITD_RMAD | 75.00 ± 0.00 | 75.00 (1 failed) | +3.00 ± 0.00 |"), table);
        assertTrue(table.contains("- AID_CG, seed 1: stopped by the runtime: negative curvature"), table);
        assertTrue(table.contains("- ITD_RMAD, seed 1: stopped by the runtime: diverged"), table);
    }
}
