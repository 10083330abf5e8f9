package org.betty4j.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.junit.jupiter.api.Test;

/**
 * {@code --graph} prints nodes, levels, edges and path counts; paths are listed only with
 * {@code --paths [N]}, at most N per upper problem, with how many were left out.
 */
class GraphOutputTest {

    /** Three layers of two problems, each feeding both of the next, under a top read by the bottom: 8 paths. */
    static Program ladder() {
        QuadraticProblem q = new QuadraticProblem(0, 1, 0.1f, false);
        Program.Builder b = Program.builder("Ladder");
        for (int l = 0; l < 3; l++) {
            for (int w = 0; w < 2; w++) {
                b.problem(ProblemNode.builder("P" + l + w, l + 1, q).costFunction(q::cost).build());
            }
        }
        b.problem(ProblemNode.builder("Top", 4, q).costFunction(q::cost).build());
        for (int w = 0; w < 2; w++) {
            b.upperToLower("Top", "P0" + w);
            b.lowerToUpper("P2" + w, "Top");
            for (int v = 0; v < 2; v++) {
                b.lowerToUpper("P0" + w, "P1" + v);
                b.lowerToUpper("P1" + w, "P2" + v);
            }
        }
        return b.build();
    }

    @Test
    void graphPrintsLevelsAndPathCountsButNoPaths() {
        ProgramMainTest.Run run = ProgramMainTest.run(GraphOutputTest::ladder, "--graph");
        assertEquals(ProgramMain.OK, run.exitCode(), run.err());
        String out = run.out();
        assertTrue(out.contains("levels:\n  1: P00, P01\n  2: P10, P11\n  3: P20, P21\n  4: Top\n"), out);
        assertTrue(out.contains("backpropagation paths [U, ..., L, U] per upper problem (--graph --paths N lists"
                + " them):\n  Top  8 paths\n"), out);
        assertFalse(out.contains("Top -> P20"), out);
        assertTrue(out.contains("  P00 -> P10\n"), out);
    }

    @Test
    void pathsAreListedOnRequestAndCapped() {
        ProgramMainTest.Run all = ProgramMainTest.run(GraphOutputTest::ladder, "--graph", "--paths");
        assertEquals(ProgramMain.OK, all.exitCode(), all.err());
        assertTrue(all.out().contains("  Top  8 paths\n    Top -> P20 -> P10 -> P00 -> Top\n"
                + "    Top -> P20 -> P10 -> P01 -> Top\n"), all.out());
        assertFalse(all.out().contains("more\n"), all.out());

        ProgramMainTest.Run two = ProgramMainTest.run(GraphOutputTest::ladder, "--graph", "--paths=2");
        assertEquals(ProgramMain.OK, two.exitCode(), two.err());
        assertTrue(two.out().contains("  Top  8 paths\n    Top -> P20 -> P10 -> P00 -> Top\n"
                + "    Top -> P20 -> P10 -> P01 -> Top\n    ... and 6 more\n"), two.out());
    }

    @Test
    void pathsWithoutTextGraphIsABadOption() {
        ProgramMainTest.Run run = ProgramMainTest.run(GraphOutputTest::ladder, "--paths=3");
        assertEquals(ProgramMain.BAD_OPTIONS, run.exitCode(), run.err());
        assertTrue(run.err().contains("--paths 3 lists paths in the text of --graph"), run.err());
        ProgramMainTest.Run negative = ProgramMainTest.run(GraphOutputTest::ladder, "--graph", "--paths=-1");
        assertEquals(ProgramMain.BAD_OPTIONS, negative.exitCode(), negative.err());
        assertTrue(negative.err().contains("--paths -1: must be 0 or more"), negative.err());
    }
}
