package org.betty4j.runtime.cli;

import static org.betty4j.runtime.cli.ProgramMainTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.betty4j.runtime.cli.ProgramMainTest.Run;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.metrics.FakeMlflowServer;
import org.betty4j.runtime.metrics.FakeMlflowServer.Call;
import org.betty4j.runtime.problem.Cost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --mlflow} against {@link FakeMlflowServer}, a local endpoint that checks every REST
 * call (this was not run against a live MLflow server, which cannot be installed here). The
 * program is the one-parameter quadratic (cost (w - 3)², w₀ = 0, SGD with learning rate 0.25),
 * whose losses 9, 2.25, 0.5625, parameter values 0, 1.5, 2.25 and validated distances
 * 3 / 2^k are closed forms, exact in binary.
 */
class MlflowTrackingTest {

    private static final String RUN = FakeMlflowServer.RUN_ID;

    @Test
    void logsParametersEveryStepsMetricsValidationsPlotsTheMetricsFileAndTheReportThenFinishes(@TempDir Path dir)
            throws IOException {
        Path metricsFile = dir.resolve("metrics.jsonl");
        long before = System.currentTimeMillis();
        try (FakeMlflowServer server = new FakeMlflowServer("mlflow-artifacts:/7/" + RUN + "/artifacts")) {
            Run run = run(() -> ProgramMainTest.solo(true), "--iterations", "3", "--lr", "Solo=0.25", "--log-every",
                    "0", "--validate-every", "2", "--metrics-file", metricsFile.toString(), "--report", "--mlflow",
                    server.uri(), "--mlflow-experiment", "quadratic runs");
            long after = System.currentTimeMillis();
            assertEquals(ProgramMain.OK, run.exitCode(), run.err());
            assertEquals(List.of(), server.unexpected());
            List<Call> calls = server.calls();
            List<String> endpoints = calls.stream().map(Call::endpoint).toList();
            String artifacts = "artifacts:7/" + RUN + "/artifacts/";
            // the experiment does not exist yet: looked up, created; then the run and its parameters;
            // three steps make fewer metrics than a batch, so they go in one request at the end
            assertEquals(List.of("experiments/search", "experiments/create", "runs/create", "runs/log-batch",
                    "runs/log-batch", artifacts + "plots/Solo-loss.png", artifacts + "metrics.jsonl",
                    artifacts + "metrics.html", "runs/update"),
                    endpoints, calls.toString());
            assertEquals("name = 'quadratic runs'", calls.get(0).json().get("filter").getAsString());
            assertEquals("quadratic runs", calls.get(1).json().get("name").getAsString());
            for (Call c : calls) {
                assertEquals(c.endpoint().startsWith("artifacts:") ? "PUT" : "POST", c.method(), c.endpoint());
            }

            JsonObject create = calls.get(2).json();
            assertEquals(FakeMlflowServer.EXPERIMENT_ID, create.get("experiment_id").getAsString());
            long start = create.get("start_time").getAsLong();
            assertTrue(start >= before && start <= after, "start_time " + start);
            assertEquals(Map.of("betty4j.program", "Solo"), keyValues(create, "tags"));

            JsonObject params = calls.get(3).json();
            assertEquals(RUN, params.get("run_id").getAsString());
            assertEquals(expectedParameters(), keyValues(params, "params"));
            assertTrue(!params.has("metrics") || params.getAsJsonArray("metrics").isEmpty(), params.toString());

            JsonObject batch = calls.get(4).json();
            assertEquals(RUN, batch.get("run_id").getAsString());
            Map<String, double[]> byKeyAndStep = new TreeMap<>();
            for (JsonElement e : batch.getAsJsonArray("metrics")) {
                JsonObject m = e.getAsJsonObject();
                long t = m.get("timestamp").getAsLong();
                assertTrue(t >= before && t <= after, "timestamp " + t);
                String key = m.get("key").getAsString() + "@" + m.get("step").getAsInt();
                assertEquals(null, byKeyAndStep.put(key, new double[] {m.get("value").getAsDouble()}), "twice: " + key);
            }
            Map<String, Double> expected = new TreeMap<>();
            double[] loss = {9, 2.25, 0.5625};
            double[] w = {0, 1.5, 2.25};
            for (int k = 0; k < 3; k++) {
                expected.put("Solo.loss@" + (k + 1), loss[k]);
                expected.put("Solo.w@" + (k + 1), w[k]);
            }
            expected.put("val.Solo.distance@2", 0.75);
            expected.put("val.Solo.distance@3", 0.375);
            assertEquals(expected.keySet(), byKeyAndStep.keySet());
            expected.forEach((key, value) -> assertEquals(value, byKeyAndStep.get(key)[0], 1e-9, key));

            Call plot = calls.get(5);
            assertEquals("image/png", plot.contentType());
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(plot.body(), 4));
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(new ByteArrayInputStream(plot.body()));
            assertEquals(800, image.getWidth());
            Call metrics = calls.get(6);
            assertArrayEquals(Files.readAllBytes(metricsFile), metrics.body(), "the metrics file, byte for byte");

            Call report = calls.get(7);
            assertEquals("text/html; charset=utf-8", report.contentType());
            assertArrayEquals(Files.readAllBytes(dir.resolve("metrics.html")), report.body(), "the report, byte for byte");

            JsonObject update = calls.get(8).json();
            assertEquals(RUN, update.get("run_id").getAsString());
            assertEquals("FINISHED", update.get("status").getAsString());
            long end = update.get("end_time").getAsLong();
            assertTrue(end >= start && end <= after, "end_time " + end);
        }
    }

    @Test
    void aRunThatFailsIsMarkedFailedAfterItsMetricsAreSent(@TempDir Path dir) throws IOException {
        try (FakeMlflowServer server = new FakeMlflowServer(dir.resolve("artifacts").toUri().toString())) {
            Run run = run(MlflowTrackingTest::failingAtStep3, "--iterations", "5", "--log-every", "0", "--mlflow",
                    server.uri());
            assertEquals(ProgramMain.RUN_FAILED, run.exitCode(), run.out());
            assertTrue(run.err().contains("NaN") || run.err().contains("non-finite"), run.err());
            assertEquals(List.of(), server.unexpected());
            List<Call> calls = server.calls();
            // default experiment: the program's name
            assertEquals("name = 'Failing'", calls.get(0).json().get("filter").getAsString());
            Call last = calls.get(calls.size() - 1);
            assertEquals("runs/update", last.endpoint());
            assertEquals("FAILED", last.json().get("status").getAsString());
            List<String> sent = new ArrayList<>();
            calls.stream().filter(c -> c.endpoint().equals("runs/log-batch") && c.json().has("metrics"))
                    .flatMap(c -> c.json().getAsJsonArray("metrics").asList().stream())
                    .forEach(m -> sent.add(m.getAsJsonObject().get("key").getAsString() + "@"
                            + m.getAsJsonObject().get("step").getAsInt()));
            // the two finite steps reached the server before the run was marked failed
            assertEquals(List.of("Failing.loss@1", "Failing.loss@2"), sent);
            assertTrue(calls.stream().noneMatch(c -> c.endpoint().startsWith("artifacts:")), calls.toString());
            assertTrue(Files.notExists(dir.resolve("artifacts/plots")), "no plots for a failed run");
        }
    }

    @Test
    void aLocalArtifactLocationGetsTheFilesCopied(@TempDir Path dir) throws IOException {
        Path artifacts = dir.resolve("mlruns/7/artifacts");
        try (FakeMlflowServer server = new FakeMlflowServer(artifacts.toUri().toString())) {
            Run run = run(() -> ProgramMainTest.solo(true), "--iterations", "2", "--log-every", "0", "--mlflow",
                    server.uri());
            assertEquals(ProgramMain.OK, run.exitCode(), run.err());
            assertEquals(List.of(), server.unexpected());
            Path png = artifacts.resolve("plots/Solo-loss.png");
            assertEquals(800, javax.imageio.ImageIO.read(png.toFile()).getWidth());
            assertEquals("runs/update", server.calls().get(server.calls().size() - 1).endpoint());
        }
    }

    @Test
    void anArtifactStoreItCannotWriteIsRefusedBeforeTraining() throws IOException {
        try (FakeMlflowServer server = new FakeMlflowServer("s3://bucket/mlflow/7/artifacts")) {
            Run run = run(() -> ProgramMainTest.solo(true), "--iterations", "2", "--log-every", "0", "--mlflow",
                    server.uri());
            assertEquals(ProgramMain.RUN_FAILED, run.exitCode());
            assertTrue(run.err().contains("s3://bucket/mlflow/7/artifacts") && run.err().contains("--serve-artifacts"),
                    run.err());
            List<String> endpoints = server.calls().stream().map(Call::endpoint).toList();
            assertEquals(List.of("experiments/search", "experiments/create", "runs/create", "runs/update"),
                    endpoints);
            assertEquals("FAILED", server.calls().get(3).json().get("status").getAsString());
        }
    }

    @Test
    void badMlflowOptionsAreUsageErrors() {
        Run notHttp = run(() -> ProgramMainTest.solo(true), "--mlflow", "file:/tmp/mlruns");
        assertEquals(ProgramMain.BAD_OPTIONS, notHttp.exitCode());
        assertTrue(notHttp.err().contains("--mlflow file:/tmp/mlruns") && notHttp.err().contains("http(s) URL"),
                notHttp.err());
        Run alone = run(() -> ProgramMainTest.solo(true), "--mlflow-experiment", "x");
        assertEquals(ProgramMain.BAD_OPTIONS, alone.exitCode());
        assertTrue(alone.err().contains("--mlflow-experiment x has no effect without --mlflow"), alone.err());
    }

    private static Map<String, String> expectedParameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("program", "Solo");
        p.put("iterations", "3");
        p.put("seed", "42");
        p.put("device", "cpu()");
        p.put("data_type", "FLOAT32");
        p.put("compute_type", "FLOAT32");
        p.put("Solo.level", "1");
        p.put("Solo.unroll_steps", "1");
        p.put("Solo.hypergrad", ProgramMainTest.solo(true).problem("Solo").hypergrad().toString());
        p.put("Solo.warmup_steps", "0");
        p.put("Solo.gradient_accumulation", "1");
        p.put("Solo.clip_grad_norm", "0.0");
        p.put("option.Solo.lr", "0.25");
        return p;
    }

    private static Map<String, String> keyValues(JsonObject request, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonElement e : request.getAsJsonArray(field)) {
            out.put(e.getAsJsonObject().get("key").getAsString(), e.getAsJsonObject().get("value").getAsString());
        }
        return out;
    }

    /** The quadratic, but its cost is NaN from local step 3 on: the engine stops with an error. */
    static Program failingAtStep3() {
        QuadraticProblem q = new QuadraticProblem(0, 3, 0.1f, false);
        int[] steps = {0};
        return Program.builder("Failing")
                .problem(ProblemNode.builder("Failing", 1, q).costFunction(batch -> {
                    Cost c = q.cost(batch);
                    return ++steps[0] >= 3 ? Cost.of(c.loss().mul(Double.NaN)) : Cost.of(c.loss());
                }).build())
                .build();
    }
}
