package org.betty4j.runtime.cli;

import static org.betty4j.runtime.cli.ProgramMainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.betty4j.runtime.cli.ProgramMainTest.Run;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The {@code --report} page in a real headless browser: Debian's {@code chromium} driven
 * through {@code chromium-driver} by Selenium ({@code .ci/run} installs both). The page must
 * load without a console error, its plots must be decoded images, and every number in its
 * tables must equal the metrics file's. A control page with a broken image and a console error
 * shows that the console check does see errors.
 */
class RunReportBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    static Path profile;
    private static ChromeDriver browser;

    @BeforeAll
    static void startBrowser() {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the report test needs Debian's chromium and chromium-driver: apt-get install -y chromium"
                        + " chromium-driver (.ci/run does)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // as root and in containers chromium needs these; a fresh profile keeps runs independent
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile.resolve("chromium"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theReportLoadsCleanlyShowsItsPlotsAndTheMetricsFilesNumbers(@TempDir Path dir) throws IOException {
        Path metricsFile = dir.resolve("run.jsonl");
        Run run = run(ProgramMainTest::bilevel, "--iterations", "6", "--log-every", "0", "--validate-every", "3",
                "--metrics-file", metricsFile.toString(), "--report");
        assertEquals(ProgramMain.OK, run.exitCode(), run.err());
        Path report = dir.resolve("run.html");
        assertTrue(Files.isRegularFile(report), "the report goes beside the metrics file: " + report);

        browser.get(report.toUri().toString());
        assertEquals("Demo: run report", browser.getTitle());
        assertEquals(List.of(), severe(browser.manage().logs().get(LogType.BROWSER).getAll()),
                "console errors while loading the report");

        JavascriptExecutor js = browser;
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> images = (List<Map<String, Object>>) js.executeScript(
                "return Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete,"
                        + " width: i.naturalWidth, height: i.naturalHeight}));");
        assertEquals(List.of("Low loss", "High loss"), images.stream().map(i -> i.get("alt")).toList());
        for (Map<String, Object> image : images) {
            assertEquals(Boolean.TRUE, image.get("complete"), image.toString());
            assertEquals(800L, image.get("width"), image.toString());
            assertEquals(500L, image.get("height"), image.toString());
        }
        // the graph: both problems drawn as boxes with a size, both edges as lines
        assertEquals(2L, js.executeScript("return Array.from(document.querySelectorAll('#graph g.problem'))"
                + ".filter(g => g.getBBox().width > 0).length;"));
        assertEquals(List.of("edge optimum", "edge parameters"), js.executeScript(
                "return Array.from(document.querySelectorAll('#graph line')).map(l => l.getAttribute('class'));"));
        assertEquals("6", cellAfter(table(js, "settings"), "iterations"));
        assertEquals("AID_CG", cellAfter(table(js, "settings"), "Low.hypergrad").split("[^A-Z_]")[0]);

        List<JsonObject> lines = Files.readAllLines(metricsFile).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        List<JsonObject> steps = lines.stream().filter(o -> o.get("type").getAsString().equals("step")).toList();
        List<JsonObject> validations = lines.stream().filter(o -> o.get("type").getAsString().equals("validation"))
                .toList();
        List<List<String>> stepRows = table(js, "steps");
        List<String> header = stepRows.get(0);
        assertEquals(List.of("global_step", "problem", "local_step", "loss"), header.subList(0, 4));
        // every metric any step line has gets a column: w, and the CG diagnostics of the upper problem
        java.util.Set<String> metricNames = new java.util.TreeSet<>();
        steps.forEach(o -> metricNames.addAll(o.getAsJsonObject("metrics").keySet()));
        assertTrue(metricNames.contains("w") && metricNames.contains("Low.cg_residual"), metricNames.toString());
        assertEquals(List.copyOf(metricNames), header.subList(4, header.size()));
        assertEquals(steps.size() + 1, stepRows.size(), "one row per step line of the metrics file");
        assertTrue(steps.size() >= 8, "both problems stepped: " + steps.size());
        for (int i = 0; i < steps.size(); i++) {
            JsonObject step = steps.get(i);
            List<String> row = stepRows.get(i + 1);
            assertEquals(step.get("global_step").getAsString(), row.get(0));
            assertEquals(step.get("problem").getAsString(), row.get(1));
            assertEquals(step.get("local_step").getAsString(), row.get(2));
            assertEquals(step.get("loss").getAsDouble(), Double.parseDouble(row.get(3)), 0.0, "loss, row " + i);
            JsonObject metrics = step.getAsJsonObject("metrics");
            for (int c = 4; c < header.size(); c++) {
                String name = header.get(c);
                if (metrics.has(name)) {
                    assertEquals(metrics.get(name).getAsDouble(), Double.parseDouble(row.get(c)), 0.0,
                            name + ", row " + i);
                } else {
                    assertEquals("", row.get(c), name + ", row " + i + " has no such metric");
                }
            }
        }
        List<List<String>> validationRows = table(js, "validations");
        assertEquals(List.of("global_step", "problem", "distance"), validationRows.get(0));
        assertEquals(validations.size() + 1, validationRows.size());
        assertEquals(4, validations.size(), "two problems validated after steps 3 and 6");
        for (int i = 0; i < validations.size(); i++) {
            JsonObject v = validations.get(i);
            List<String> row = validationRows.get(i + 1);
            assertEquals(v.get("global_step").getAsString(), row.get(0));
            assertEquals(v.get("problem").getAsString(), row.get(1));
            assertEquals(v.getAsJsonObject("metrics").get("distance").getAsDouble(), Double.parseDouble(row.get(2)),
                    0.0, "distance, row " + i);
        }
        // the summary: last loss of each problem equals its last step line
        List<List<String>> problems = table(js, "problems");
        for (String problem : List.of("Low", "High")) {
            List<JsonObject> own = steps.stream().filter(s -> s.get("problem").getAsString().equals(problem)).toList();
            List<String> row = problems.stream().filter(r -> r.get(0).equals(problem)).findFirst().orElseThrow();
            assertEquals(Integer.toString(own.size()), row.get(1));
            assertEquals(own.get(own.size() - 1).get("loss").getAsDouble(), Double.parseDouble(row.get(3)), 0.0);
        }
    }

    @Test
    void theConsoleCheckSeesErrorsOnAControlPage(@TempDir Path dir) throws IOException {
        Path page = dir.resolve("broken.html");
        Files.writeString(page, "<!DOCTYPE html><html><head><link rel=\"icon\" href=\"data:,\"><title>control</title>"
                + "</head><body><img id=\"x\" src=\"data:image/png;base64,AAAA\">"
                + "<script>console.error('control error');</script></body></html>");
        browser.get(page.toUri().toString());
        List<String> errors = severe(browser.manage().logs().get(LogType.BROWSER).getAll());
        assertTrue(errors.stream().anyMatch(e -> e.contains("control error")), errors.toString());
        assertEquals(0L, ((JavascriptExecutor) browser).executeScript("return document.getElementById('x').naturalWidth;"));
    }

    @Test
    void reportWithoutFileNeedsTheMetricsFile() {
        Run run = run(ProgramMainTest::bilevel, "--iterations", "1", "--report");
        assertEquals(ProgramMain.BAD_OPTIONS, run.exitCode());
        assertTrue(run.err().contains("--report without a FILE writes beside the metrics file"), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    private static List<String> severe(List<LogEntry> entries) {
        List<String> out = new ArrayList<>();
        entries.stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .forEach(e -> out.add(e.getMessage()));
        return out;
    }

    /** A table's header and body rows as text, read in one script call. */
    @SuppressWarnings("unchecked")
    private static List<List<String>> table(JavascriptExecutor js, String id) {
        return (List<List<String>>) js.executeScript("return Array.from(document.getElementById(arguments[0]).rows)"
                + ".map(r => Array.from(r.cells).map(c => c.textContent));", id);
    }

    private static String cellAfter(List<List<String>> rows, String key) {
        return rows.stream().filter(r -> r.get(0).equals(key)).findFirst().orElseThrow(() -> new AssertionError(key))
                .get(1);
    }
}
