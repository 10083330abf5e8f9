package org.betty4j.example.noisy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.betty4j.runtime.cli.ProgramMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job's bad options and unwritable outputs: exit code 2 and one error line naming the
 * option and the value, before any data is read or any run is trained (nothing on standard
 * output, nothing written).
 */
class NoisyLabelsAppOptionsTest {

    private static String refused(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = NoisyLabelsApp.execute(args, new PrintWriter(out), new PrintWriter(err));
        assertEquals(ProgramMain.BAD_OPTIONS, code, err.toString());
        assertEquals("", out.toString(), "the job started before refusing its options");
        assertFalse(err.toString().contains("Usage:"), "the whole usage printed:\n" + err);
        assertFalse(err.toString().contains("\tat "), "a stack trace:\n" + err);
        return err.toString().lines().findFirst().orElse("");
    }

    @Test
    void badValuesAndUnknownOptionsAreOneLine(@TempDir Path dir) {
        assertEquals("error: --programs foo: unknown program 'foo'; expected baseline, reweight or correct+reweight",
                refused("--programs", "foo", "--results", dir.resolve("r").toString()));
        assertFalse(Files.exists(dir.resolve("r")), "a refused run created its results directory");
        assertEquals("error: --eval-every 100 must be between 1 and a third of --steps 10 (the metric averages the"
                + " last third)", refused("--steps", "10"));
        assertEquals("error: Unknown options: '--stps', '3'", refused("--stps", "3"));
        assertEquals("error: Invalid value for option '--seeds' (S): 'x' is not a long", refused("--seeds", "x"));
    }

    @Test
    void anUnwritableResultsDirectoryIsRefusedBeforeTraining(@TempDir Path dir) throws Exception {
        Path blocker = Files.writeString(dir.resolve("blocker"), "a file, not a directory");
        String first = refused("--results", blocker.resolve("results").toString());
        assertTrue(first.startsWith("error: --results " + blocker.resolve("results") + ": cannot write there"), first);
    }
}
