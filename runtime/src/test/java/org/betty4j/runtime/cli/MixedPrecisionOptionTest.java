package org.betty4j.runtime.cli;

import static org.betty4j.runtime.cli.ProgramMainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.betty4j.runtime.cli.ProgramMainTest.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --mixed-precision} reaches the engine: with fp16 every step reports its loss scale
 * (GradScaler's initial 2^16; the quadratic's float64 gradient never overflows, so it stays),
 * and scaling is exact here, so the losses are the closed forms 9, 2.25, 0.5625 of the
 * one-parameter quadratic with learning rate 0.25.
 */
class MixedPrecisionOptionTest {

    @Test
    void fp16RunsWithLossScalingAndTheSameClosedFormLosses(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.jsonl");
        Run run = run(() -> ProgramMainTest.solo(true), "--iterations", "3", "--lr", "Solo=0.25", "--log-every", "0",
                "--mixed-precision", "fp16", "--metrics-file", file.toString());
        assertEquals(ProgramMain.OK, run.exitCode(), run.err());
        List<JsonObject> steps = Files.readAllLines(file).stream().map(l -> JsonParser.parseString(l).getAsJsonObject())
                .toList();
        double[] loss = {9, 2.25, 0.5625};
        assertEquals(3, steps.size());
        for (int k = 0; k < 3; k++) {
            assertEquals(loss[k], steps.get(k).get("loss").getAsDouble(), 1e-12);
            assertEquals(65536.0, steps.get(k).getAsJsonObject("metrics").get("loss_scale").getAsDouble());
        }
    }

    @Test
    void anUnknownTypeIsAUsageError() {
        Run run = run(() -> ProgramMainTest.solo(true), "--mixed-precision", "fp8");
        assertEquals(ProgramMain.BAD_OPTIONS, run.exitCode());
        assertTrue(run.err().contains("--mixed-precision") && run.err().contains("bf16, fp16"), run.err());
    }
}
