package org.betty4j.example.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.example.baseline.BaselineClassifierEngine;
import org.betty4j.example.reweighting.MetaWeightNetEngine;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.hypergrad.HypergradConfig;

/**
 * Milliseconds per global step of the engine on the benchmark programs, each beside a
 * hand-written DJL loop doing the same work ({@link HandWrittenLoops}), at each requested thread
 * setting. Every case runs in its own child JVM, so its peak resident memory (VmHWM) is its own.
 * Not a test; see the README's "Benchmark" section for the command.
 *
 * <p>Options: {@code --threads 1,default} (thread settings: a number sets libtorch's intra-op,
 * inter-op and OpenMP threads to it; {@code default} sets nothing), {@code --rounds N} (each
 * round runs every case once, interleaved; medians over rounds are printed), {@code --only
 * NAME,...} (programs: baseline, mwn, hpo-aid_fd, hpo-aid_cg, hpo-aid_neumann, hpo-itd_rmad, and
 * hpo-aid_fd-scripted, hpo-aid_cg-scripted: the inner problem as a fused scripted step),
 * {@code --out FILE} (the Markdown table, default {@code target/benchmark.md}), {@code --snapshot DIR}
 * (where the class directories are copied for the children, default {@code target/bench-classes}),
 * {@code --before DIR} (a source tree of an earlier version of the project, built with
 * {@code test-compile}: its engine runs every case too, with this version's dependency jars, and
 * the table adds its ms/step and the ratio of this engine to it, paired round by round),
 * {@code --jvm "OPTIONS"} (JVM options of every child, engine and DJL loop alike; default
 * {@value #CHILD_JVM_DEFAULT}, the generated main's default in the archetype's exec configuration;
 * {@code none} for no options), {@code --scale K} (every case runs K times its steps and warm-up:
 * long runs, for peak memory over a run's length), {@code --profile DIR} (each child writes a JFR
 * recording {@code DIR/<program>-<runner>-<threads>.jfr}, of the last round; {@link ProfileSummary}
 * prints where its time went).
 */
public final class StepBenchmark {

    /** A benchmark program: how many global steps, how many are warm-up, the block size. */
    private record Case(String name, String label, int steps, int warmup, int block, boolean hasFloor) {}

    private static final List<Case> CASES = List.of(
            new Case("baseline", "baseline classifier (MLP 784-256-10, batch 100)", 100, 30, 10, true),
            new Case("mwn", "Meta-Weight-Net (AID_FD, unroll 1)", 80, 20, 10, true),
            new Case("hpo-aid_fd", "HPO logistic regression, unroll 100, AID_FD", 1500, 300, 100, true),
            new Case("hpo-aid_cg", "HPO, AID_CG (3 it.)", 1500, 300, 100, true),
            new Case("hpo-aid_neumann", "HPO, AID_NEUMANN (3 it.)", 1500, 300, 100, true),
            new Case("hpo-itd_rmad", "HPO, ITD_RMAD", 1500, 300, 100, false),
            new Case("hpo-aid_fd-scripted", "HPO, AID_FD, fused scripted inner step", 1500, 300, 100, true),
            new Case("hpo-aid_cg-scripted", "HPO, AID_CG (3 it.), fused scripted inner step", 1500, 300, 100, true));

    /**
     * The child JVMs' default options: a young generation of at most 16 MiB. Arrays live in
     * libtorch's memory; the Java heap holds only their small wrappers, and without a cap G1
     * grows the young generation to hundreds of MiB, so the resident heap follows how much
     * short-lived garbage a run makes rather than what it keeps.
     */
    static final String CHILD_JVM_DEFAULT = "-XX:MaxNewSize=16m";

    private static List<String> childJvmOptions = List.of(CHILD_JVM_DEFAULT);

    private StepBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(args[1], args[2], args[3]);
            return;
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        List<String> threads = List.of(opts.getOrDefault("threads", "1,default").split(","));
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "1"));
        List<String> only = opts.containsKey("only") ? List.of(opts.get("only").split(",")) : null;
        Path out = Path.of(opts.getOrDefault("out", "target/benchmark.md"));
        List<Case> cases = CASES.stream().filter(c -> only == null || only.contains(c.name)).toList();
        String jvm = opts.getOrDefault("jvm", CHILD_JVM_DEFAULT).trim();
        childJvmOptions = jvm.isEmpty() || jvm.equals("none") ? List.of() : List.of(jvm.split("\\s+"));
        childClasspath = snapshot(Path.of(opts.getOrDefault("snapshot", "target/bench-classes")));
        if (opts.containsKey("before")) {
            beforeClasspath = earlierVersion(Path.of(opts.get("before")));
        }
        int scale = Integer.parseInt(opts.getOrDefault("scale", "1"));
        if (scale < 1 || scale > 1000) {
            throw new IllegalArgumentException("--scale must be 1..1000, got " + scale);
        }
        if (scale > 1 && beforeClasspath != null) {
            throw new IllegalArgumentException("--scale applies to this version's children only; drop --before");
        }
        if (scale > 1) {
            childJvmOptions = new ArrayList<>(childJvmOptions);
            childJvmOptions.add("-Dbench.scale=" + scale);
        }
        if (opts.containsKey("profile")) {
            profileDir = Path.of(opts.get("profile")).toAbsolutePath();
            Files.createDirectories(profileDir);
        }

        // results.get(case/runner/threads) = one Result per round
        Map<String, List<Result>> results = new LinkedHashMap<>();
        double[] load = loadAverage();
        for (int r = 0; r < rounds; r++) {
            for (Case c : cases) {
                for (String t : threads) {
                    List<String> runners = new ArrayList<>(List.of("engine"));
                    if (beforeClasspath != null) {
                        runners.add("before");
                    }
                    if (c.hasFloor) {
                        runners.add("djl");
                    }
                    for (String runner : runners) {
                        Result res = runChild(c.name, runner, t);
                        results.computeIfAbsent(c.name + "/" + runner + "/" + t, k -> new ArrayList<>()).add(res);
                        System.err.printf(Locale.ROOT, "round %d %s %s threads=%s: %.3f ms/step, VmHWM %d MiB%n", r + 1,
                                c.name, runner, t, res.msPerStep, res.peakKiB / 1024);
                    }
                }
            }
        }
        double[] loadAfter = loadAverage();
        String table = table(cases, threads, results, rounds, load, loadAfter);
        System.out.println(table);
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, table);
        System.out.println("written to " + out.toAbsolutePath());
    }

    private static String table(List<Case> cases, List<String> threads, Map<String, List<Result>> results, int rounds,
            double[] load, double[] loadAfter) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "Machine: %d cores seen by the JVM, %s, Java %s; load average %.2f before, "
                + "%.2f after; %d round(s), medians over rounds (per-round values in brackets); JVM options of every "
                + "child: %s.%n%n",
                Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("java.version"), load[0],
                loadAfter[0], rounds, childJvmOptions.isEmpty() ? "none" : "`" + String.join(" ", childJvmOptions) + "`"));
        boolean before = beforeClasspath != null;
        s.append("| program | threads | engine ms/step | DJL loop ms/step | engine / DJL loop | engine / engine at 1 thread"
                + " | peak RSS engine / DJL loop (MiB) | RSS ratio | live NDArray MiB engine start→end (DJL loop) |"
                + (before ? " earlier engine ms/step | engine / earlier engine | peak RSS earlier engine (MiB) |" : "")
                + "\n");
        s.append("|---|---|---|---|---|---|---|---|---|").append(before ? "---|---|---|" : "").append('\n');
        for (Case c : cases) {
            for (String t : threads) {
                List<Result> e = results.get(c.name + "/engine/" + t);
                List<Result> d = results.get(c.name + "/djl/" + t);
                List<Result> one = results.get(c.name + "/engine/1");
                double em = median(e.stream().mapToDouble(Result::msPerStep).toArray());
                String dm = d == null ? "–" : fmt(d, Result::msPerStep);
                String ratio = "–";
                String rss = String.format(Locale.ROOT, "%.0f / –", median(e.stream().mapToDouble(r -> r.peakKiB / 1024.0)
                        .toArray()));
                String rssRatio = "–";
                String live = String.format(Locale.ROOT, "%.2f→%.2f", e.get(0).liveStart / 1048576.0,
                        e.get(0).liveEnd / 1048576.0);
                if (d != null) {
                    double[] ratios = new double[e.size()];
                    double[] rssRatios = new double[e.size()];
                    for (int i = 0; i < e.size(); i++) {
                        ratios[i] = e.get(i).msPerStep / d.get(i).msPerStep;
                        rssRatios[i] = (double) e.get(i).peakKiB / d.get(i).peakKiB;
                    }
                    ratio = fmt(ratios);
                    rss = String.format(Locale.ROOT, "%.0f / %.0f", median(e.stream().mapToDouble(r -> r.peakKiB / 1024.0)
                            .toArray()), median(d.stream().mapToDouble(r -> r.peakKiB / 1024.0).toArray()));
                    rssRatio = fmt(rssRatios);
                    live += String.format(Locale.ROOT, " (%.2f→%.2f)", d.get(0).liveStart / 1048576.0,
                            d.get(0).liveEnd / 1048576.0);
                }
                String vsOne = "–";
                if (one != null && !t.equals("1")) {
                    double[] r1 = new double[e.size()];
                    for (int i = 0; i < e.size(); i++) {
                        r1[i] = e.get(i).msPerStep / one.get(i).msPerStep;
                    }
                    vsOne = fmt(r1);
                }
                s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |", c.label, t,
                        fmt(e, Result::msPerStep), dm, ratio, vsOne, rss, rssRatio, live));
                if (before) {
                    List<Result> b = results.get(c.name + "/before/" + t);
                    double[] vsBefore = new double[e.size()];
                    for (int i = 0; i < e.size(); i++) {
                        vsBefore[i] = e.get(i).msPerStep / b.get(i).msPerStep;
                    }
                    s.append(String.format(Locale.ROOT, " %s | %s | %.0f |", fmt(b, Result::msPerStep), fmt(vsBefore),
                            median(b.stream().mapToDouble(r -> r.peakKiB / 1024.0).toArray())));
                }
                s.append(System.lineSeparator());
                if (Double.isNaN(em)) {
                    throw new IllegalStateException("no timing for " + c.name);
                }
            }
        }
        return s.toString();
    }

    private static String fmt(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
        return fmt(rs.stream().mapToDouble(f).toArray());
    }

    private static String fmt(double[] values) {
        String m = String.format(Locale.ROOT, "%.3f", median(values));
        if (values.length == 1) {
            return m;
        }
        StringBuilder s = new StringBuilder(m).append(" [");
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", values[i]));
        }
        return s.append(']').toString();
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private record Result(double msPerStep, long peakKiB, long liveStart, long liveEnd) {}

    private static String childClasspath;
    /** Where each child writes its flight recording ({@code --profile}), or null. */
    private static Path profileDir;
    /** The class path of the earlier version's children ({@code --before}), or null. */
    private static String beforeClasspath;

    /**
     * The earlier version's class directories (its example-app test and main classes, runtime and
     * annotations) ahead of this version's dependency jars: both versions use the same DJL and
     * libtorch, so the ratio measures the project's code only.
     */
    private static String earlierVersion(Path tree) {
        List<String> entries = new ArrayList<>();
        for (String dir : List.of("example-app/target/test-classes", "example-app/target/classes",
                "runtime/target/classes", "annotations/target/classes")) {
            Path p = tree.resolve(dir).toAbsolutePath();
            if (!Files.isDirectory(p)) {
                throw new IllegalArgumentException("--before " + tree + ": no " + dir + "; build that tree first with "
                        + "mvn -B -q -pl example-app -am test-compile");
            }
            entries.add(p.toString());
        }
        for (String entry : childClasspath.split(java.io.File.pathSeparator)) {
            if (!Files.isDirectory(Path.of(entry))) {
                entries.add(entry);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /**
     * The class path for the children, with every class directory copied under {@code dir}
     * first: a long run then keeps measuring the code it started with while the project is
     * rebuilt.
     */
    private static String snapshot(Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.isDirectory(source)) {
                entries.add(entry);
                continue;
            }
            Path target = dir.resolve(Integer.toString(n++)).toAbsolutePath();
            try (var walk = Files.walk(source)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    Path to = target.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            entries.add(target.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static Result runChild(String program, String runner, String threads) throws IOException,
            InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(childJvmOptions); // the same for the engine and the DJL loop
        if (profileDir != null) {
            cmd.add("-XX:StartFlightRecording=settings=profile,filename="
                    + profileDir.resolve(program + "-" + runner + "-" + threads + ".jfr"));
        }
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        if (!threads.equals("default")) {
            int n = Integer.parseInt(threads);
            cmd.add("-Dai.djl.pytorch.num_threads=" + n);
            cmd.add("-Dai.djl.pytorch.num_interop_threads=" + n);
        }
        // the earlier version runs its own engine (its child protocol is the same) on the same
        // program: a scripted case's user writes the same problem, so it is compared with the
        // earlier engine's generic step
        boolean before = runner.equals("before");
        cmd.addAll(List.of("-cp", before ? beforeClasspath : childClasspath, StepBenchmark.class.getName(), "--child",
                before && program.endsWith(SCRIPTED) ? program.substring(0, program.length() - SCRIPTED.length())
                        : program, before ? "engine" : runner, threads));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (threads.equals("default")) {
            // what a user gets: nothing inherited from the shell that runs the benchmark
            pb.environment().remove("OMP_NUM_THREADS");
            pb.environment().remove("MKL_NUM_THREADS");
        } else {
            pb.environment().put("OMP_NUM_THREADS", threads);
            pb.environment().put("MKL_NUM_THREADS", threads);
        }
        Process p = pb.start();
        String result = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                all.append(line).append('\n');
                if (line.startsWith("RESULT ")) {
                    result = line;
                }
            }
        }
        int code = p.waitFor();
        if (code != 0 || result == null) {
            throw new IllegalStateException("child " + program + "/" + runner + "/" + threads + " failed (exit " + code
                    + "):\n" + all);
        }
        String[] f = result.split(" ");
        return new Result(Double.parseDouble(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]));
    }

    /** One case in this JVM; prints {@code RESULT msPerStep peakKiB liveStartBytes liveEndBytes}. */
    private static void child(String name, String runner, String threads) {
        Case listed = CASES.stream().filter(x -> x.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown program " + name));
        int scale = Integer.getInteger("bench.scale", 1);
        Case c = new Case(listed.name, listed.label, listed.steps * scale, listed.warmup * scale, listed.block,
                listed.hasFloor);
        long[] stamps = new long[c.steps + 1];
        long[] live = new long[2];
        if (runner.equals("engine")) {
            Program program = switch (name) {
                case "baseline" -> BaselineClassifierEngine.program();
                case "mwn" -> MetaWeightNetEngine.program();
                default -> LogisticRegressionHpo.program(hpoConfig(name), name.endsWith(SCRIPTED));
            };
            EngineConfig config = EngineConfig.builder().optIterations(c.steps).optSeed(42).build();
            try (Engine engine = new Engine(program, config)) {
                engine.addListener(new EngineListener() {
                    @Override
                    public void onRunStart(Engine e) {
                        stamps[0] = System.nanoTime();
                    }

                    @Override
                    public void onGlobalStep(Engine e, int step) {
                        stamps[step] = System.nanoTime();
                        if (step == c.warmup || step == c.steps) {
                            live[step == c.warmup ? 0 : 1] = engineLiveBytes(e);
                        }
                    }
                });
                engine.run();
            }
        } else {
            try (HandWrittenLoops.Loop loop = switch (name) {
                case "baseline" -> HandWrittenLoops.baseline(c.steps, 42);
                case "mwn" -> HandWrittenLoops.metaWeightNet(c.steps, 42);
                default -> HandWrittenLoops.hpo(hpoConfig(name).method());
            }) {
                stamps[0] = System.nanoTime();
                for (int t = 1; t <= c.steps; t++) {
                    loop.step(t);
                    stamps[t] = System.nanoTime();
                    if (t == c.warmup || t == c.steps) {
                        live[t == c.warmup ? 0 : 1] = loop.liveBytes();
                    }
                }
            }
        }
        int blocks = (c.steps - c.warmup) / c.block;
        double[] ms = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            int from = c.warmup + b * c.block;
            ms[b] = (stamps[from + c.block] - stamps[from]) / 1e6 / c.block;
        }
        System.out.printf(Locale.ROOT, "RESULT %.5f %d %d %d%n", median(ms), peakKiB(), live[0], live[1]);
    }

    /** The suffix of a case that runs the HPO inner problem as a fused scripted step. */
    private static final String SCRIPTED = "-scripted";

    private static HypergradConfig hpoConfig(String name) {
        String base = name.endsWith(SCRIPTED) ? name.substring(0, name.length() - SCRIPTED.length()) : name;
        HypergradMethod method = HypergradMethod.valueOf(base.substring("hpo-".length()).toUpperCase(Locale.ROOT));
        return method == HypergradMethod.AID_CG || method == HypergradMethod.AID_NEUMANN
                ? new HypergradConfig(method, 0.1, 3, false)
                : HypergradConfig.defaults(method);
    }

    /** Bytes of the arrays the engine's managers hold: its root is the top manager above any parameter's. */
    private static long engineLiveBytes(Engine engine) {
        String any = engine.program().problems().get(0).name();
        NDArray p = engine.parameters(any).get(0);
        NDManager root = p.getManager();
        while (root.getParentManager() != null && root.getParentManager().getParentManager() != null) {
            root = root.getParentManager();
        }
        return HandWrittenLoops.bytesOf(root);
    }

    private static long peakKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }

    private static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return new double[] {Double.parseDouble(f[0])};
        } catch (IOException e) {
            return new double[] {Double.NaN};
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }
}
