package org.betty4j.runtime.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.problem.Cost;

/**
 * A self-contained HTML page per run, written at the end of the run: the settings, the
 * program's dataflow graph (inline SVG, and as text), a summary per problem, each problem's
 * loss curve (PNG as a data URI), the validations and every step's loss and metrics. Nothing
 * is loaded from elsewhere and there is no script, so the page opens anywhere, offline.
 *
 * <p>Numbers are written as the metrics file writes them (shortest round-trip decimal; a
 * non-finite value as {@code NaN}/{@code Infinity}), so the page's numbers equal the file's.
 */
public final class RunReport implements EngineListener {

    private record Step(String problem, int globalStep, int localStep, double loss, Map<String, Double> metrics) {}

    private record Validation(int globalStep, String problem, Map<String, Double> metrics) {}

    private final Path file;
    private final LossPlots plots = new LossPlots(null);
    private final List<Step> steps = new ArrayList<>();
    private final List<Validation> validations = new ArrayList<>();
    private Map<String, String> settings = Map.of();
    private Instant started;

    public RunReport(Path file) {
        this.file = file;
    }

    /** The page's file. */
    public Path file() {
        return file;
    }

    @Override
    public void onRunStart(Engine engine) {
        settings = RunSettings.of(engine);
        started = Instant.now();
    }

    @Override
    public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
        steps.add(new Step(problem.name(), globalStep, localStep, loss, new TreeMap<>(cost.metrics())));
        plots.onProblemStep(problem, localStep, globalStep, loss, cost);
    }

    @Override
    public void onValidation(int globalStep, String problem, Map<String, Double> metrics) {
        validations.add(new Validation(globalStep, problem, new TreeMap<>(metrics)));
    }

    @Override
    public void onRunEnd(Engine engine) {
        String html = html(engine.program(), engine.globalStep(), engine.stopReason().orElse(null));
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            // written whole or not at all: a reader never sees half a page
            Path temporary = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            Files.writeString(temporary, html, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run report " + file + ": " + e.getMessage(), e);
        }
    }

    String html(Program program, int globalSteps, String stopReason) {
        StringBuilder h = new StringBuilder(64 * 1024);
        String title = program.name() + ": run report";
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                // no favicon request: the page must load nothing
                .append("<link rel=\"icon\" href=\"data:,\">\n")
                .append("<title>").append(esc(title)).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}\n")
                .append("table{border-collapse:collapse;margin:0.5em 0 1.5em}\n")
                .append("th,td{border:1px solid #ccc;padding:2px 8px;text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("th{background:#f3f3f3}\ntd.k,th.k{text-align:left}\nimg{max-width:100%;border:1px solid #ddd}\n")
                .append("pre{background:#f7f7f7;padding:0.6em;overflow:auto}\n</style>\n</head>\n<body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append("<p id=\"summary-line\">").append(globalSteps).append(" global steps")
                .append(started == null ? "" : ", started " + started).append(", report written ").append(Instant.now())
                .append(stopReason == null ? "" : "; stopped early: " + esc(stopReason)).append("</p>\n");

        h.append("<h2>Settings</h2>\n<table id=\"settings\">\n<thead><tr><th class=\"k\">setting</th>")
                .append("<th class=\"k\">value</th></tr></thead>\n<tbody>\n");
        settings.forEach((k, v) -> h.append("<tr><td class=\"k\">").append(esc(k)).append("</td><td class=\"k\">")
                .append(esc(v)).append("</td></tr>\n"));
        h.append("</tbody>\n</table>\n");

        h.append("<h2>Program graph</h2>\n<p>Solid arrows: a lower problem's optimum is used by the upper problem;")
                .append(" dashed: an upper problem's current parameters are used by the lower problem.</p>\n");
        h.append(ProgramGraphSvg.svg(program));
        h.append("<pre id=\"graph-text\">").append(esc(program.describe())).append("</pre>\n");

        h.append("<h2>Problems</h2>\n<table id=\"problems\">\n<thead><tr><th class=\"k\">problem</th><th>steps</th>")
                .append("<th>first loss</th><th>last loss</th><th>min loss</th></tr></thead>\n<tbody>\n");
        for (ProblemNode p : program.problems()) {
            List<Step> own = steps.stream().filter(s -> s.problem().equals(p.name())).toList();
            h.append("<tr><td class=\"k\">").append(esc(p.name())).append("</td><td>").append(own.size()).append("</td>");
            if (own.isEmpty()) {
                h.append("<td>-</td><td>-</td><td>-</td>");
            } else {
                double min = own.stream().mapToDouble(Step::loss).filter(Double::isFinite).min().orElse(Double.NaN);
                h.append("<td>").append(num(own.get(0).loss())).append("</td><td>")
                        .append(num(own.get(own.size() - 1).loss())).append("</td><td>").append(num(min)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");

        h.append("<h2>Loss curves</h2>\n");
        for (Map.Entry<String, byte[]> png : plots.pngs(program.name()).entrySet()) {
            h.append("<figure><img class=\"plot\" alt=\"").append(esc(png.getKey() + " loss"))
                    .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png.getValue()))
                    .append("\"><figcaption>").append(esc(png.getKey())).append(": loss per local step</figcaption>")
                    .append("</figure>\n");
        }

        if (!validations.isEmpty()) {
            TreeSet<String> names = new TreeSet<>();
            validations.forEach(v -> names.addAll(v.metrics().keySet()));
            h.append("<h2>Validations</h2>\n<table id=\"validations\">\n<thead><tr><th>global_step</th>")
                    .append("<th class=\"k\">problem</th>");
            names.forEach(n -> h.append("<th>").append(esc(n)).append("</th>"));
            h.append("</tr></thead>\n<tbody>\n");
            for (Validation v : validations) {
                h.append("<tr><td>").append(v.globalStep()).append("</td><td class=\"k\">").append(esc(v.problem()))
                        .append("</td>");
                names.forEach(n -> h.append("<td>").append(v.metrics().containsKey(n) ? num(v.metrics().get(n)) : "")
                        .append("</td>"));
                h.append("</tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }

        TreeSet<String> metricNames = new TreeSet<>();
        steps.forEach(s -> metricNames.addAll(s.metrics().keySet()));
        h.append("<h2>Steps</h2>\n<p>Every problem's loss and metrics after each of its steps.</p>\n")
                .append("<table id=\"steps\">\n<thead><tr><th>global_step</th><th class=\"k\">problem</th>")
                .append("<th>local_step</th><th>loss</th>");
        metricNames.forEach(n -> h.append("<th>").append(esc(n)).append("</th>"));
        h.append("</tr></thead>\n<tbody>\n");
        for (Step s : steps) {
            h.append("<tr><td>").append(s.globalStep()).append("</td><td class=\"k\">").append(esc(s.problem()))
                    .append("</td><td>").append(s.localStep()).append("</td><td>").append(num(s.loss())).append("</td>");
            metricNames.forEach(n -> h.append("<td>").append(s.metrics().containsKey(n) ? num(s.metrics().get(n)) : "")
                    .append("</td>"));
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n</body>\n</html>\n");
        return h.toString();
    }

    /** Shortest round-trip decimal, as Jackson writes a finite number in the metrics file; non-finite ones by name (the file has null). */
    private static String num(double value) {
        return Double.toString(value);
    }

    static String esc(String text) {
        StringBuilder s = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> s.append("&amp;");
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '"' -> s.append("&quot;");
                case '\'' -> s.append("&#39;");
                default -> s.append(c);
            }
        }
        return s.toString();
    }
}
