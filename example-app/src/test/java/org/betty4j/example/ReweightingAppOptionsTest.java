package org.betty4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.betty4j.runtime.cli.ProgramMain;
import org.junit.jupiter.api.Test;

/**
 * The main job's bad options: exit code 2 and one error line naming the option and the value,
 * before any data is read or any run is trained (nothing on standard output).
 */
class ReweightingAppOptionsTest {

    private static void assertRefused(String expected, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ReweightingApp.run(args, new PrintWriter(out), new PrintWriter(err));
        assertEquals(ProgramMain.BAD_OPTIONS, code, err.toString());
        assertEquals("", out.toString(), "the job started before refusing its options");
        String first = err.toString().lines().findFirst().orElse("");
        assertEquals("error: " + expected, first, err.toString());
        assertTrue(err.toString().lines().count() <= 3, "more than the error and a hint:\n" + err);
    }

    @Test
    void badValuesAreOneLineWithExitCode2() {
        assertRefused("--meta-lr -1.0: the learning rate must be positive and finite", "--meta-lr", "-1");
        assertRefused("--only foo: must be baseline or mwn", "--only", "foo");
        assertRefused("--steps 0: must be 1 or more", "--steps", "0");
        assertRefused("--lr NaN: the learning rate must be positive and finite", "--lr", "NaN");
        assertRefused("--seeds [1, 1]: a seed is repeated", "--seeds", "1,1");
        assertRefused("--warmup -1: must be 0 or more; --clip -2.0: must be finite and 0 (off) or more", "--clip", "-2",
                "--warmup", "-1");
        assertRefused("--data-dir /nonexistent/fashion: no such directory", "--data-dir", "/nonexistent/fashion");
        assertRefused("--precision INT8: must be FLOAT32 or FLOAT16", "--precision", "INT8");
    }

    @Test
    void unknownAndMalformedOptionsAreOneLineWithExitCode2() {
        StringWriter err = new StringWriter();
        int code = ReweightingApp.run(new String[] {"--stpes", "3"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertEquals(ProgramMain.BAD_OPTIONS, code);
        assertTrue(err.toString().startsWith("error: Unknown options: '--stpes', '3'"), err.toString());
        assertTrue(err.toString().contains("--steps"), "a suggestion: " + err);
        assertTrue(!err.toString().contains("Usage:"), "the whole usage printed:\n" + err);
        err = new StringWriter();
        code = ReweightingApp.run(new String[] {"--steps", "many"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertEquals(ProgramMain.BAD_OPTIONS, code);
        assertTrue(err.toString().startsWith("error: Invalid value for option '--steps': 'many' is not an int"),
                err.toString());
    }
}
