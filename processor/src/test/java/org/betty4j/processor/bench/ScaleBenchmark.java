package org.betty4j.processor.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import javax.annotation.processing.Completion;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.betty4j.processor.BettyProcessor;
import org.betty4j.runtime.engine.EngineConfig;

/**
 * Scale benchmark (not a test): generates three programs far larger than any fixture, compiles
 * each with javac at its default settings plus the Betty processor, and prints the processor's
 * time, the generated source size and whether javac succeeded; then builds each program and
 * runs one global step of it.
 * <ul>
 *   <li>{@code fan}: 500 problems, a top problem reading the optimum of 499 lowers, each of which
 *       reads the top's parameters (499 paths);</li>
 *   <li>{@code ladder}: 20 layers of two problems, each reading the optimum of both problems of the
 *       layer below, under a top read by the bottom layer: 2^20 = 1,048,576 paths;</li>
 *   <li>{@code dag}: 1,000 problems in 100 levels, each reading the optimum of one to three random
 *       problems of lower levels (seed 11), and a third of those edges also the other way round.</li>
 * </ul>
 * Run from the repository root (the profile runs this class after the test classes are compiled,
 * with the reactor's own modules on the class path):
 * <pre>
 * mvn -B -o -q -pl processor -am -Pscale-benchmark process-test-classes
 * </pre>
 */
public final class ScaleBenchmark {

    private ScaleBenchmark() {}

    /** One generated program: package, sources by simple class name. */
    record Program(String name, Map<String, String> sources, String topClass, String pathsNote) {}

    public static void main(String[] args) throws Exception {
        Path root = Files.createTempDirectory("betty4j-scale");
        System.out.printf(Locale.ROOT, "java %s, %d processors; javac: default settings (in-process, %s)%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), "ToolProvider");
        System.out.printf(Locale.ROOT, "%-7s %8s %6s %6s %14s %13s %10s %10s %12s  %s%n", "program", "problems",
                "edges", "javac", "processor(ms)", "processor-cpu", "javac(ms)", "source(B)", "one step", "note");
        for (Program program : List.of(fan(500), ladder(20), dag(1000, 11))) {
            run(program, root.resolve(program.name()));
        }
    }

    private static void run(Program program, Path dir) throws Exception {
        Path sources = dir.resolve("src");
        Path classes = dir.resolve("classes");
        Path generated = dir.resolve("generated");
        Files.createDirectories(classes);
        Files.createDirectories(generated);
        List<Path> files = new ArrayList<>();
        int edges = 0;
        for (Map.Entry<String, String> e : program.sources().entrySet()) {
            Path file = sources.resolve("bench/" + program.name() + "/" + e.getKey() + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
            files.add(file);
            edges += count(e.getValue(), "@Upper") + count(e.getValue(), "@Lower");
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        TimedProcessor processor = new TimedProcessor(new BettyProcessor());
        boolean ok;
        long t0 = System.nanoTime();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            JavaCompiler.CompilationTask task = javac.getTask(null, fm, diagnostics,
                    List.of("-d", classes.toString(), "-s", generated.toString(),
                            "-cp", System.getProperty("java.class.path")),
                    null, fm.getJavaFileObjectsFromPaths(files));
            task.setProcessors(List.of(processor));
            ok = task.call();
        }
        long javacMs = (System.nanoTime() - t0) / 1_000_000;
        long errors = diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR).count();
        long sourceBytes = 0;
        try (Stream<Path> out = Files.walk(generated)) {
            for (Path f : out.filter(Files::isRegularFile).toList()) {
                sourceBytes += Files.size(f);
            }
        }
        String step = ok ? oneStep(classes, "bench." + program.name() + "." + program.topClass() + "Engine") : "-";
        System.out.printf(Locale.ROOT, "%-7s %8d %6d %6s %14d %13d %10d %10d %12s  %s%n", program.name(),
                program.sources().size(), edges, ok && errors == 0 ? "ok" : "FAILED(" + errors + ")",
                processor.nanos / 1_000_000, processor.cpuNanos / 1_000_000, javacMs, sourceBytes,
                step.startsWith("ok") ? step : "failed", program.pathsNote());
        if (!ok) {
            diagnostics.getDiagnostics().stream().limit(3).forEach(d -> System.out.println("    " + d));
        }
        if (!step.startsWith("ok") && !step.equals("-")) {
            System.out.println("    one step: " + step);
        }
    }

    /** Builds the program through its generated wiring and runs one global step; "ok (ms)" or the error. */
    private static String oneStep(Path classes, String engineClass) {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ScaleBenchmark.class.getClassLoader())) {
            Method create = loader.loadClass(engineClass).getMethod("create", EngineConfig.class);
            long t0 = System.nanoTime();
            try (org.betty4j.runtime.engine.Engine engine = (org.betty4j.runtime.engine.Engine)
                    create.invoke(null, EngineConfig.builder().optIterations(1).optLogEvery(0).optProgressBar(false).build())) {
                engine.run();
            }
            return "ok(" + (System.nanoTime() - t0) / 1_000_000 + "ms)";
        } catch (java.lang.reflect.InvocationTargetException e) {
            return e.getCause().toString();
        } catch (Exception | Error e) {
            return e.toString();
        }
    }

    private static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
            n++;
        }
        return n;
    }

    // ---- the programs --------------------------------------------------------------------

    /** A problem class: level, fields {@code @Upper}/{@code @Lower}, a cost over all of them. */
    private static String problem(String pkg, String name, int level, List<String> uppers, List<String> lowers) {
        StringBuilder s = new StringBuilder();
        s.append("package bench.").append(pkg).append(";\n\n")
                .append("import ai.djl.ndarray.NDArray;\nimport ai.djl.training.dataset.Batch;\n")
                .append("import org.betty4j.annotations.*;\nimport org.betty4j.processor.bench.ScalarProblem;\n\n")
                .append("@Level(").append(level).append(")\npublic class ").append(name)
                .append(" extends ScalarProblem {\n");
        List<String> all = new ArrayList<>();
        for (String u : uppers) {
            s.append("    @Upper ").append(u).append(' ').append(field(u)).append(";\n");
            all.add(field(u));
        }
        for (String l : lowers) {
            s.append("    @Lower ").append(l).append(' ').append(field(l)).append(";\n");
            all.add(field(l));
        }
        s.append("\n    @TrainingStep\n    public NDArray trainingStep(Batch batch) {\n        return cost(")
                .append(String.join(", ", all)).append(");\n    }\n}\n");
        return s.toString();
    }

    private static String field(String className) {
        return Character.toLowerCase(className.charAt(0)) + className.substring(1);
    }

    static Program fan(int problems) {
        Map<String, String> sources = new LinkedHashMap<>();
        List<String> lowers = new ArrayList<>();
        for (int i = 0; i < problems - 1; i++) {
            String name = String.format(Locale.ROOT, "L%03d", i);
            lowers.add(name);
            sources.put(name, problem("fan", name, 1, List.of("Top"), List.of()));
        }
        sources.put("Top", problem("fan", "Top", 2, List.of(), lowers));
        return new Program("fan", sources, "Top", (problems - 1) + " paths");
    }

    static Program ladder(int layers) {
        Map<String, String> sources = new LinkedHashMap<>();
        for (int l = 0; l < layers; l++) {
            for (int w = 0; w < 2; w++) {
                String name = "P" + l + "_" + w;
                List<String> lowers = l == 0 ? List.of() : List.of("P" + (l - 1) + "_0", "P" + (l - 1) + "_1");
                sources.put(name, problem("ladder", name, l + 1, l == 0 ? List.of("Top") : List.of(), lowers));
            }
        }
        sources.put("Top", problem("ladder", "Top", layers + 1, List.of(),
                List.of("P" + (layers - 1) + "_0", "P" + (layers - 1) + "_1")));
        return new Program("ladder", sources, "Top",
                java.math.BigInteger.TWO.pow(layers) + " paths of Top");
    }

    static Program dag(int problems, long seed) {
        Random random = new Random(seed);
        int perLevel = 10;
        Map<Integer, List<String>> uppers = new LinkedHashMap<>();
        Map<Integer, List<String>> lowers = new LinkedHashMap<>();
        for (int i = 0; i < problems; i++) {
            uppers.put(i, new ArrayList<>());
            lowers.put(i, new ArrayList<>());
        }
        for (int i = perLevel; i < problems; i++) {
            int below = (i / perLevel) * perLevel; // problems 0 .. below-1 have lower levels
            List<Integer> chosen = new ArrayList<>();
            if (i < 2 * perLevel) {
                // the second level reads the whole first one, so the program is one connected graph
                for (int j = 0; j < perLevel; j++) {
                    chosen.add(j);
                }
            } else {
                int k = 1 + random.nextInt(3);
                while (chosen.size() < k) {
                    int j = random.nextInt(below);
                    if (!chosen.contains(j)) {
                        chosen.add(j);
                    }
                }
            }
            chosen.sort(Comparator.naturalOrder());
            for (int j : chosen) {
                lowers.get(i).add(dagName(j));
                if (random.nextInt(3) == 0) {
                    uppers.get(j).add(dagName(i)); // j's cost also reads i's parameters: a path back is the edge itself
                }
            }
        }
        Map<String, String> sources = new LinkedHashMap<>();
        for (int i = 0; i < problems; i++) {
            sources.put(dagName(i), problem("dag", dagName(i), 1 + i / perLevel, uppers.get(i), lowers.get(i)));
        }
        return new Program("dag", sources, dagName((problems - 1) / perLevel * perLevel), "random, seed " + seed);
    }

    private static String dagName(int i) {
        return String.format(Locale.ROOT, "N%04d", i);
    }

    /** Delegates to the Betty processor and adds up the time javac spends in it. */
    static final class TimedProcessor implements Processor {
        private final Processor delegate;
        long nanos;
        long cpuNanos;
        private final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();

        TimedProcessor(Processor delegate) {
            this.delegate = delegate;
        }

        @Override
        public Set<String> getSupportedOptions() {
            return delegate.getSupportedOptions();
        }

        @Override
        public Set<String> getSupportedAnnotationTypes() {
            return delegate.getSupportedAnnotationTypes();
        }

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return delegate.getSupportedSourceVersion();
        }

        @Override
        public void init(ProcessingEnvironment env) {
            long t0 = System.nanoTime();
            long c0 = threads.getCurrentThreadCpuTime();
            delegate.init(env);
            nanos += System.nanoTime() - t0;
            cpuNanos += threads.getCurrentThreadCpuTime() - c0;
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
            long t0 = System.nanoTime();
            long c0 = threads.getCurrentThreadCpuTime();
            try {
                return delegate.process(annotations, round);
            } finally {
                nanos += System.nanoTime() - t0;
                cpuNanos += threads.getCurrentThreadCpuTime() - c0;
            }
        }

        @Override
        public Iterable<? extends Completion> getCompletions(Element element, AnnotationMirror annotation,
                ExecutableElement member, String userText) {
            return delegate.getCompletions(element, annotation, member, userText);
        }
    }
}
