package org.betty4j.runtime.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.problem.Cost;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a run to an MLflow tracking server through MLflow's Java client: the run's settings
 * as parameters, every problem's loss and step metrics as {@code <problem>.loss} and
 * {@code <problem>.<metric>} at the global step, validations as {@code val.<problem>.<metric>},
 * and at the end each problem's loss curve ({@code plots/<problem>-loss.png}) and any files
 * given with {@link Builder#optArtifact(Path)} as artifacts.
 *
 * <p>Metrics are sent in batches ({@code runs/log-batch}) when {@link Builder#optFlushEvery}
 * of them have accumulated, after a global step that ends more than
 * {@link Builder#optFlushInterval} after the last send, and at the end. The run is marked
 * {@code FINISHED} at the end of a run, or {@code FAILED} when it is closed without having
 * ended (the engine threw).
 *
 * <p>MLflow's Java client uploads artifacts by calling the Python {@code mlflow} command, so
 * this listener uploads them itself through the tracking server's artifact proxy
 * ({@code PUT /api/2.0/mlflow-artifacts/artifacts/...}, the default of {@code mlflow server}),
 * or copies them when the run's artifact location is a local directory ({@code file:}). Any
 * other artifact store is refused when the run starts, before any training.
 */
public final class MlflowListener implements EngineListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MlflowListener.class);
    /** MLflow's limits per {@code runs/log-batch} request. */
    private static final int MAX_METRICS_PER_BATCH = 1000;
    private static final int MAX_PARAMS_PER_BATCH = 100;
    private static final int MAX_PARAM_VALUE = 6000;

    private final String trackingUri;
    private final String experimentName;
    private final String runName;
    private final int flushEvery;
    private final Duration flushInterval;
    private final List<Path> artifacts;
    private final boolean plots;
    private final MlflowClient client;
    private final LossPlots lossPlots;
    private final List<Service.Metric> pending = new ArrayList<>();
    private String runId;
    private String artifactUri;
    private long lastFlush;
    private boolean ended;

    private MlflowListener(Builder b) {
        this.trackingUri = b.trackingUri;
        this.experimentName = b.experimentName;
        this.runName = b.runName;
        this.flushEvery = b.flushEvery;
        this.flushInterval = b.flushInterval;
        this.artifacts = List.copyOf(b.artifacts);
        this.plots = b.plots;
        this.client = new MlflowClient(trackingUri);
        this.lossPlots = new LossPlots(null);
    }

    /** A listener for the tracking server at {@code trackingUri}, e.g. {@code http://127.0.0.1:5000}. */
    public static Builder builder(String trackingUri) {
        return new Builder(trackingUri);
    }

    /** The MLflow run id, once the run has started. */
    public String runId() {
        return runId;
    }

    @Override
    public void onRunStart(Engine engine) {
        String experiment = experimentName != null ? experimentName : engine.program().name();
        try {
            // searched, not fetched by name: the client retries get-by-name's 404 for a new experiment
            String experimentId = client.searchExperiments(nameFilter(experiment)).getItems().stream()
                    .filter(e -> e.getName().equals(experiment)).map(Service.Experiment::getExperimentId)
                    .findFirst().orElseGet(() -> client.createExperiment(experiment));
            Service.CreateRun.Builder create = Service.CreateRun.newBuilder().setExperimentId(experimentId)
                    .setStartTime(System.currentTimeMillis())
                    .addTags(tag("betty4j.program", engine.program().name()));
            if (runName != null) {
                create.setRunName(runName);
            }
            Service.RunInfo info = client.createRun(create.build());
            runId = info.getRunId();
            artifactUri = info.getArtifactUri();
        } catch (MlflowClientException e) {
            throw new IllegalStateException("MLflow tracking server " + trackingUri + ": cannot start a run in experiment '"
                    + experiment + "': " + e.getMessage(), e);
        }
        if (plots || !artifacts.isEmpty()) {
            artifactTarget(""); // refuse an artifact store we cannot write to, before any training
        }
        List<Service.Param> params = new ArrayList<>();
        RunSettings.of(engine).forEach((k, v) -> params.add(Service.Param.newBuilder().setKey(key(k))
                .setValue(v.length() <= MAX_PARAM_VALUE ? v : v.substring(0, MAX_PARAM_VALUE - 3) + "...").build()));
        for (int i = 0; i < params.size(); i += MAX_PARAMS_PER_BATCH) {
            List<Service.Param> chunk = params.subList(i, Math.min(params.size(), i + MAX_PARAMS_PER_BATCH));
            call("log the run's parameters", () -> client.logBatch(runId, List.of(), chunk, List.of()));
        }
        lastFlush = System.nanoTime();
    }

    /** MLflow's search filter for one experiment name, quoted with a quote it does not contain. */
    static String nameFilter(String name) {
        char quote = name.indexOf('\'') < 0 ? '\'' : '"';
        if (name.indexOf(quote) >= 0) {
            throw new IllegalArgumentException("MLflow experiment name " + name + " contains both ' and \"");
        }
        return "name = " + quote + name + quote;
    }

    @Override
    public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
        requireStarted();
        long now = System.currentTimeMillis();
        add(problem.name() + ".loss", loss, now, globalStep);
        cost.metrics().forEach((name, value) -> add(problem.name() + "." + name, value, now, globalStep));
        if (plots) {
            lossPlots.onProblemStep(problem, localStep, globalStep, loss, cost);
        }
        if (pending.size() >= flushEvery) {
            flush();
        }
    }

    @Override
    public void onValidation(int globalStep, String problem, Map<String, Double> metrics) {
        requireStarted();
        long now = System.currentTimeMillis();
        metrics.forEach((name, value) -> add("val." + problem + "." + name, value, now, globalStep));
    }

    @Override
    public void onGlobalStep(Engine engine, int globalStep) {
        if (System.nanoTime() - lastFlush >= flushInterval.toNanos()) {
            flush();
        }
    }

    private void add(String key, double value, long timestamp, int step) {
        // MLflow stores NaN and infinities (its JSON carries them as strings): log them as they are
        pending.add(Service.Metric.newBuilder().setKey(key(key)).setValue(value).setTimestamp(timestamp).setStep(step)
                .build());
    }

    /**
     * A metric or parameter name as MLflow accepts it (letters, digits, {@code _ - . / } and
     * spaces): any other character becomes {@code _}, so a metric name never fails a request.
     */
    static String key(String name) {
        return name.replaceAll("[^A-Za-z0-9_\\-. /]", "_");
    }

    /** Sends the metrics gathered so far. */
    public void flush() {
        requireStarted();
        for (int i = 0; i < pending.size(); i += MAX_METRICS_PER_BATCH) {
            List<Service.Metric> chunk = List.copyOf(pending.subList(i, Math.min(pending.size(), i + MAX_METRICS_PER_BATCH)));
            call("log " + chunk.size() + " metrics", () -> client.logBatch(runId, chunk, List.of(), List.of()));
        }
        pending.clear();
        lastFlush = System.nanoTime();
    }

    @Override
    public void onRunEnd(Engine engine) {
        flush();
        if (plots) {
            for (Map.Entry<String, byte[]> png : lossPlots.pngs(engine.program().name()).entrySet()) {
                upload("plots/" + png.getKey() + "-loss.png", png.getValue());
            }
        }
        for (Path file : artifacts) {
            if (Files.isRegularFile(file)) {
                try {
                    upload(file.getFileName().toString(), Files.readAllBytes(file));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read artifact " + file + " for MLflow: " + e.getMessage(), e);
                }
            } else {
                LOG.warn("MLflow artifact {} does not exist at the end of the run; not uploaded", file);
            }
        }
        call("mark the run FINISHED", () -> client.setTerminated(runId, Service.RunStatus.FINISHED,
                System.currentTimeMillis()));
        ended = true;
    }

    /** Marks a run that started but did not end (the engine threw) as {@code FAILED}; closes the client. */
    @Override
    public void close() {
        try {
            if (runId != null && !ended) {
                try {
                    flush();
                    client.setTerminated(runId, Service.RunStatus.FAILED, System.currentTimeMillis());
                } catch (RuntimeException e) {
                    // the run has already failed; this must not hide why
                    LOG.warn("MLflow: cannot mark run {} FAILED at {}: {}", runId, trackingUri, e.getMessage());
                }
            }
        } finally {
            client.close();
        }
    }

    private void upload(String relativePath, byte[] bytes) {
        ArtifactTarget target = artifactTarget(relativePath);
        try {
            if (target.file() != null) {
                Files.createDirectories(target.file().getParent());
                Files.write(target.file(), bytes);
                return;
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
            HttpRequest request = HttpRequest.newBuilder(target.url()).timeout(Duration.ofMinutes(2))
                    .header("Content-Type", contentType(relativePath))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("MLflow tracking server " + trackingUri + ": uploading artifact "
                        + relativePath + " of run " + runId + " to " + target.url() + " failed with HTTP "
                        + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("MLflow: cannot upload artifact " + relativePath + " of run " + runId
                    + " to " + artifactUri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("MLflow: interrupted while uploading artifact " + relativePath, e);
        }
    }

    private record ArtifactTarget(URI url, Path file) {}

    /** Where an artifact goes: the server's artifact proxy, or a local directory. */
    private ArtifactTarget artifactTarget(String relativePath) {
        URI uri;
        try {
            uri = new URI(artifactUri);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("MLflow run " + runId + " has an unreadable artifact location '"
                    + artifactUri + "': " + e.getMessage(), e);
        }
        String scheme = uri.getScheme();
        if ("mlflow-artifacts".equals(scheme)) {
            // mlflow-artifacts:/<experiment>/<run>/artifacts on the tracking server itself, or on the host it names
            String base = uri.getHost() == null ? trackingUri : "http://" + uri.getAuthority();
            String path = stripSlashes(uri.getPath()) + (relativePath.isEmpty() ? "" : "/" + relativePath);
            return new ArtifactTarget(URI.create(stripSlashes(base) + "/api/2.0/mlflow-artifacts/artifacts/" + path),
                    null);
        }
        if (scheme == null || "file".equals(scheme)) {
            Path root = scheme == null ? Path.of(artifactUri) : Path.of(uri);
            return new ArtifactTarget(null, relativePath.isEmpty() ? root : root.resolve(relativePath));
        }
        throw new IllegalStateException("MLflow run " + runId + " stores artifacts at '" + artifactUri
                + "', which this listener cannot write to (it writes through the server's artifact proxy,"
                + " mlflow-artifacts:, or to a local file: directory); start the server with --serve-artifacts, or"
                + " turn plots and artifacts off");
    }

    private static String stripSlashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '/') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(start, end);
    }

    private static String contentType(String path) {
        if (path.endsWith(".png")) {
            return "image/png";
        }
        if (path.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (path.endsWith(".json") || path.endsWith(".jsonl")) {
            return "application/json";
        }
        return "application/octet-stream";
    }

    private void call(String what, Runnable call) {
        try {
            call.run();
        } catch (MlflowClientException e) {
            throw new IllegalStateException("MLflow tracking server " + trackingUri + ": cannot " + what + " of run "
                    + runId + ": " + e.getMessage(), e);
        }
    }

    private void requireStarted() {
        if (runId == null) {
            throw new IllegalStateException("MlflowListener: no MLflow run: register the listener before Engine.run()");
        }
    }

    private static Service.RunTag tag(String key, String value) {
        return Service.RunTag.newBuilder().setKey(key).setValue(value).build();
    }

    /** Options of an {@link MlflowListener}. */
    public static final class Builder {
        private final String trackingUri;
        private String experimentName;
        private String runName;
        private int flushEvery = 500;
        private Duration flushInterval = Duration.ofSeconds(10);
        private final List<Path> artifacts = new ArrayList<>();
        private boolean plots = true;

        private Builder(String trackingUri) {
            Objects.requireNonNull(trackingUri, "trackingUri");
            URI uri;
            try {
                uri = new URI(trackingUri);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("MLflow tracking URI '" + trackingUri + "' is not a URI: "
                        + e.getMessage(), e);
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("MLflow tracking URI '" + trackingUri
                        + "' must be an http(s) URL of a tracking server, e.g. http://127.0.0.1:5000");
            }
            this.trackingUri = trackingUri;
        }

        /** The experiment (created when missing); default: the program's name. */
        public Builder optExperiment(String name) {
            nameFilter(Objects.requireNonNull(name, "name"));
            this.experimentName = name;
            return this;
        }

        /** The run's name; default: the server picks one. */
        public Builder optRunName(String name) {
            this.runName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Send metrics once this many have accumulated (1 to 1000; default 500). */
        public Builder optFlushEvery(int metrics) {
            if (metrics < 1 || metrics > MAX_METRICS_PER_BATCH) {
                throw new IllegalArgumentException("flushEvery " + metrics + ": must be 1 to " + MAX_METRICS_PER_BATCH);
            }
            this.flushEvery = metrics;
            return this;
        }

        /** Send metrics after a global step when this long has passed since the last send (default 10 s). */
        public Builder optFlushInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("flushInterval " + interval + ": must not be negative");
            }
            this.flushInterval = interval;
            return this;
        }

        /** A file to upload at the end of the run, e.g. the metrics file or the HTML report (repeatable). */
        public Builder optArtifact(Path file) {
            artifacts.add(Objects.requireNonNull(file, "file"));
            return this;
        }

        /** Whether to upload each problem's loss curve as a PNG (default true). */
        public Builder optPlots(boolean plots) {
            this.plots = plots;
            return this;
        }

        public MlflowListener build() {
            return new MlflowListener(this);
        }
    }
}
