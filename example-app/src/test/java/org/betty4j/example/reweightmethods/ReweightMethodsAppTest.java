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
        // 30 steps of the MLP on the long-tailed set: far above the 10% of chance for every program
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("test accuracy (\\d+\\.\\d+)%").matcher(out.toString());
        int runs = 0;
        while (m.find()) {
            assertTrue(Double.parseDouble(m.group(1)) > 30, out.toString());
            runs++;
        }
        assertEquals(3, runs, out.toString());
    }
}
