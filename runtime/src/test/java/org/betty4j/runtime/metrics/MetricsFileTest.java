package org.betty4j.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON lines that read back exactly, and a resumed file cut back to the resumed step. */
class MetricsFileTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void numbersReadBackExactlyNamesAreEscapedAndNonFiniteIsNull(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.jsonl");
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("z \"quoted\"\n", 0.1 + 0.2);
        metrics.put("a", Double.MIN_VALUE);
        metrics.put("nan", Double.NaN);
        metrics.put("inf", Double.NEGATIVE_INFINITY);
        try (MetricsFile m = new MetricsFile(file)) {
            m.onValidation(7, "Tab\tProblem", metrics);
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(1, lines.size());
        JsonNode line = JSON.readTree(lines.get(0));
        assertEquals("validation", line.get("type").asText());
        assertEquals(7, line.get("global_step").asInt());
        assertEquals("Tab\tProblem", line.get("problem").asText());
        JsonNode m = line.get("metrics");
        assertEquals(0.1 + 0.2, m.get("z \"quoted\"\n").doubleValue(), 0.0);
        assertEquals(Double.MIN_VALUE, m.get("a").doubleValue(), 0.0);
        assertTrue(m.get("nan").isNull());
        assertTrue(m.get("inf").isNull());
        assertEquals(List.of("a", "inf", "nan", "z \"quoted\"\n"), iterable(m.fieldNames()), "names sorted");
    }

    @Test
    void aResumedFileKeepsTheLinesUpToTheStepAndDropsLaterAndTornOnes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.jsonl");
        try (MetricsFile m = new MetricsFile(file)) {
            for (int step = 1; step <= 6; step++) {
                m.onValidation(step, "P", Map.of("x", (double) step));
            }
        }
        Files.writeString(file, "{\"type\":\"valid", java.nio.file.StandardOpenOption.APPEND);
        Path stale = dir.resolve(".m.jsonl.12345.betty4j-tmp"); // a rewrite killed half-way
        Files.writeString(stale, "{\"type\"");
        MetricsFile resumed = MetricsFile.resumed(file, 4);
        try (resumed) {
            resumed.onValidation(5, "P", Map.of("x", 50.0));
        }
        assertEquals(3, resumed.droppedOnResume(), "steps 5 and 6 and the torn line");
        assertTrue(!Files.exists(stale), "stale temporary file of an interrupted rewrite left behind");
        List<Integer> steps = Files.readAllLines(file).stream().map(l -> MetricsFile.globalStepOf(l)).toList();
        assertEquals(List.of(1, 2, 3, 4, 5), steps);
        assertTrue(Files.readString(file).endsWith("{\"type\":\"validation\",\"global_step\":5,\"problem\":\"P\","
                + "\"metrics\":{\"x\":50.0}}\n"), Files.readString(file));
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
