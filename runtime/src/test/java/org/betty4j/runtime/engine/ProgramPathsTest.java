package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A program derives its backpropagation paths from its edges: counts by dynamic programming
 * (exact, {@link BigInteger}), listing only on request and capped. Checked against closed-form
 * counts of ladders and against a brute-force enumeration on random graphs.
 */
class ProgramPathsTest {

    private static final ToyProblem TRAINABLE = new ToyProblem(new double[] {0}, 0.1f);

    private static ProblemNode node(String name, int level) {
        return ProblemNode.builder(name, level, TRAINABLE).costFunction(batch -> {
            throw new UnsupportedOperationException("graph-only test");
        }).build();
    }

    /**
     * {@code layers} layers of {@code width} problems, every problem of a layer feeding (its optimum
     * read by) every problem of the next, and a top problem above whose parameters every problem of
     * the bottom layer reads: {@code width^layers} paths of the top.
     */
    static Program ladder(int layers, int width) {
        Program.Builder b = Program.builder("Ladder");
        for (int l = 0; l < layers; l++) {
            for (int w = 0; w < width; w++) {
                b.problem(node("P" + l + "_" + w, l + 1));
            }
        }
        b.problem(node("Top", layers + 1));
        for (int l = 0; l < layers; l++) {
            for (int w = 0; w < width; w++) {
                String from = "P" + l + "_" + w;
                if (l == layers - 1) {
                    b.lowerToUpper(from, "Top");
                } else {
                    for (int v = 0; v < width; v++) {
                        b.lowerToUpper(from, "P" + (l + 1) + "_" + v);
                    }
                }
            }
        }
        for (int w = 0; w < width; w++) {
            b.upperToLower("Top", "P0_" + w);
        }
        return b.build();
    }

    @Test
    void ladderPathCountsAreExactPowersWithoutListingThem() {
        Program twenty = ladder(20, 2);
        assertEquals(BigInteger.TWO.pow(20), twenty.pathCount("Top"));
        Program deep = ladder(80, 3);
        assertEquals(BigInteger.valueOf(3).pow(80), deep.pathCount("Top"));
        assertEquals(BigInteger.ZERO, deep.pathCount("P0_0"));
        // every ladder problem below the top lies inside some path
        assertEquals(80 * 3, deep.differentiatedThrough().size());
    }

    @Test
    void listingPastTheCapIsAClearErrorAndAPrefixStaysCheap() {
        Program twenty = ladder(20, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> twenty.pathsOf("Top"));
        assertEquals("program Ladder: upper problem Top has 1048576 backpropagation paths, more than the 10000"
                + " pathsOf lists. Fix: use pathCount(\"Top\") for their number, or pathsOf(\"Top\", limit) for the"
                + " first ones in order.", e.getMessage());
        List<List<String>> first = twenty.pathsOf("Top", 3);
        assertEquals(3, first.size());
        List<String> expectedFirst = new ArrayList<>(List.of("Top"));
        for (int l = 19; l >= 0; l--) {
            expectedFirst.add("P" + l + "_0");
        }
        expectedFirst.add("Top");
        assertEquals(expectedFirst, first.get(0));
    }

    @Test
    void derivedPathsEqualABruteForceEnumerationOnRandomGraphs() {
        Random random = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            int n = 3 + random.nextInt(8);
            Program.Builder b = Program.builder("Random" + trial);
            int[] level = new int[n];
            for (int i = 0; i < n; i++) {
                level[i] = 1 + random.nextInt(4);
                b.problem(node("N" + i, level[i]));
            }
            List<Program.Edge> lowerToUpper = new ArrayList<>();
            List<Program.Edge> upperToLower = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (level[i] < level[j] && random.nextDouble() < 0.5) {
                        lowerToUpper.add(new Program.Edge("N" + i, "N" + j));
                        b.lowerToUpper("N" + i, "N" + j);
                    }
                    if (level[i] > level[j] && random.nextDouble() < 0.3) {
                        upperToLower.add(new Program.Edge("N" + i, "N" + j));
                        b.upperToLower("N" + i, "N" + j);
                    }
                }
            }
            Program program = b.build();
            Set<String> interior = new TreeSet<>();
            for (int u = 0; u < n; u++) {
                String upper = "N" + u;
                List<List<String>> expected = bruteForce(upper, lowerToUpper, upperToLower);
                expected.forEach(p -> interior.addAll(p.subList(1, p.size() - 1)));
                assertEquals(expected, program.pathsOf(upper), "trial " + trial + ", upper " + upper);
                assertEquals(BigInteger.valueOf(expected.size()), program.pathCount(upper));
                assertEquals(expected.subList(0, Math.min(2, expected.size())), program.pathsOf(upper, 2));
            }
            assertEquals(interior, program.differentiatedThrough(), "trial " + trial);
        }
    }

    /** Every walk [U, x1, ..., L, U] down lower-to-upper edges from U that ends at an L with U -> L, sorted. */
    private static List<List<String>> bruteForce(String upper, List<Program.Edge> lowerToUpper,
            List<Program.Edge> upperToLower) {
        List<List<String>> out = new ArrayList<>();
        List<List<String>> frontier = new ArrayList<>(List.of(List.of(upper)));
        while (!frontier.isEmpty()) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> walk : frontier) {
                String at = walk.get(walk.size() - 1);
                for (Program.Edge e : lowerToUpper) {
                    if (e.to().equals(at)) {
                        List<String> longer = new ArrayList<>(walk);
                        longer.add(e.from());
                        next.add(longer);
                        if (upperToLower.contains(new Program.Edge(upper, e.from()))) {
                            List<String> closed = new ArrayList<>(longer);
                            closed.add(upper);
                            out.add(closed);
                        }
                    }
                }
            }
            frontier = next;
        }
        out.sort(ProgramPathsTest::lexicographic);
        return out;
    }

    private static int lexicographic(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    @Test
    void aDeclaredPathIsCheckedAgainstTheEdges() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Program.builder("Bad")
                .problem(node("L", 1)).problem(node("U", 2))
                .upperToLower("U", "L")
                .path("U", "L", "U")
                .build());
        assertTrue(e.getMessage().contains("uses lower-to-upper edge L -> U, which the program does not have"),
                e.getMessage());
    }
}
